package dev.kvstore.store.repl;

import dev.kvstore.core.admin.ClusterSecrets;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Challenge-response over the cluster secret. Each side proves knowledge of the secret with an HMAC
 * over both nonces, tagged with its side so that a proof cannot be reflected back.
 *
 * <p>While the secret is rotated a store holds more than one ({@link ClusterSecrets}): the secondary
 * proves with its first, the primary accepts any it holds and answers with the very secret the
 * secondary proved (so the secondary surely knows it). The secrets are asked at every handshake, so
 * that a rotation's next step applies to the next connection without a restart.
 */
public final class HandshakeProof {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final Supplier<ClusterSecrets> secrets;

    public HandshakeProof(String secret) {
        this(() -> ClusterSecrets.of(secret));
    }

    public HandshakeProof(Supplier<ClusterSecrets> secrets) {
        this.secrets = secrets;
    }

    public static byte[] nonce() {
        byte[] nonce = new byte[MessageCodec.NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /** The secondary's proof, with the secret it signs with. */
    public byte[] secondaryProof(String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        return mac(secrets.get().signing(), "secondary", clusterId, primaryNonce, secondaryNonce);
    }

    /** Which of the primary's secrets the secondary proved, or null: none of them (refuse it). */
    public String secretProvedBySecondary(String clusterId, byte[] primaryNonce, byte[] secondaryNonce, byte[] given) {
        String proved = null;
        for (String secret : secrets.get().all()) {
            // every one compared, so that the time taken does not tell which one matched
            if (MessageDigest.isEqual(given, mac(secret, "secondary", clusterId, primaryNonce, secondaryNonce))
                    && proved == null) {
                proved = secret;
            }
        }
        return proved;
    }

    /** The primary's answer, with the secret the secondary proved. */
    public static byte[] primaryProof(String provedSecret, String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        return mac(provedSecret, "primary", clusterId, primaryNonce, secondaryNonce);
    }

    /** Whether the primary proved one of this store's secrets. */
    public boolean primaryProved(String clusterId, byte[] primaryNonce, byte[] secondaryNonce, byte[] given) {
        boolean proved = false;
        for (String secret : secrets.get().all()) {
            proved |= MessageDigest.isEqual(given, mac(secret, "primary", clusterId, primaryNonce, secondaryNonce));
        }
        return proved;
    }

    /** Whether a connection that proved the secret of this fingerprint may stay: this store still holds it. */
    public boolean stillHeld(String fingerprint) {
        return secrets.get().fingerprints().contains(fingerprint);
    }

    private static byte[] mac(String secret, String side, String clusterId, byte[] primaryNonce, byte[] secondaryNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((side + "\n" + clusterId + "\n").getBytes(StandardCharsets.UTF_8));
            mac.update(primaryNonce);
            mac.update(secondaryNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
