package dev.kvstore.core.admin;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs admin calls with the cluster secret so that the secret itself never travels:
 * header {@value #HEADER} = {@code <epochMillis>:<hex HMAC-SHA256(secret, method \n path \n millis \n body)>}.
 * A signature older than {@link #MAX_SKEW_MILLIS} is refused, which bounds replays.
 */
public final class AdminAuth {

    public static final String HEADER = "X-KV-Auth";
    public static final long MAX_SKEW_MILLIS = 30_000;

    private final byte[] secret;

    public AdminAuth(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("the cluster secret must not be empty");
        }
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    public String sign(String method, String path, byte[] body, long nowMillis) {
        return nowMillis + ":" + HexFormat.of().formatHex(mac(method, path, body, nowMillis));
    }

    public boolean verify(String header, String method, String path, byte[] body, long nowMillis) {
        if (header == null) {
            return false;
        }
        int colon = header.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        long millis;
        byte[] given;
        try {
            millis = Long.parseLong(header.substring(0, colon));
            given = HexFormat.of().parseHex(header.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (Math.abs(nowMillis - millis) > MAX_SKEW_MILLIS) {
            return false;
        }
        return MessageDigest.isEqual(given, mac(method, path, body, millis));
    }

    private byte[] mac(String method, String path, byte[] body, long millis) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((method + "\n" + path + "\n" + millis + "\n").getBytes(StandardCharsets.UTF_8));
            mac.update(body == null ? new byte[0] : body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
