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
 * A signature older than {@link #MAX_SKEW_MILLIS} is refused, which bounds replays. Signed with the
 * first of the {@link ClusterSecrets}; any of them verifies, so that the secret can be rotated.
 */
public final class AdminAuth {

    public static final String HEADER = "X-KV-Auth";
    public static final long MAX_SKEW_MILLIS = 30_000;

    private final ClusterSecrets secrets;

    public AdminAuth(String secret) {
        this(ClusterSecrets.of(secret == null ? "" : secret));
    }

    public AdminAuth(ClusterSecrets secrets) {
        this.secrets = secrets;
    }

    public String sign(String method, String path, byte[] body, long nowMillis) {
        return signWith(secrets.signing(), method, path, body, nowMillis);
    }

    /** Signed with the given one of the secrets (a client trying the others on a refusal). */
    public static String signWith(String secret, String method, String path, byte[] body, long nowMillis) {
        return nowMillis + ":" + HexFormat.of().formatHex(mac(secret, method, path, body, nowMillis));
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
        boolean matched = false;
        for (String secret : secrets.all()) {
            // every one compared, so that the time taken does not tell which one matched
            matched |= MessageDigest.isEqual(given, mac(secret, method, path, body, millis));
        }
        return matched;
    }

    private static byte[] mac(String secret, String method, String path, byte[] body, long millis) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((method + "\n" + path + "\n" + millis + "\n").getBytes(StandardCharsets.UTF_8));
            mac.update(body == null ? new byte[0] : body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
