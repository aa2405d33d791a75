package dev.kvstore.store.repl;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Challenge-response over the cluster secret. Each side proves knowledge of the secret with an HMAC
 * over both nonces, tagged with its side so that a proof cannot be reflected back.
 */
public final class HandshakeProof {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] secret;

    public HandshakeProof(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] nonce() {
        byte[] nonce = new byte[MessageCodec.NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    public byte[] secondaryProof(String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        return mac("secondary", clusterId, primaryNonce, secondaryNonce);
    }

    public byte[] primaryProof(String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        return mac("primary", clusterId, primaryNonce, secondaryNonce);
    }

    public static boolean matches(byte[] expected, byte[] given) {
        return MessageDigest.isEqual(expected, given);
    }

    private byte[] mac(String side, String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((side + "\n" + clusterId + "\n").getBytes(StandardCharsets.UTF_8));
            mac.update(primaryNonce);
            mac.update(secondaryNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
