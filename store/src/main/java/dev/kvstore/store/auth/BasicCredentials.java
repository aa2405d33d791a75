package dev.kvstore.store.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** An HTTP {@code Authorization: Basic} header's user and password (RFC 7617), or null when it is not one. */
public record BasicCredentials(String user, byte[] password) {

    public static BasicCredentials parse(String header) {
        if (header == null || header.length() < 6 || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(header.substring(6).trim());
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        for (int i = 0; i < decoded.length; i++) {
            if (decoded[i] == ':') {
                return new BasicCredentials(new String(decoded, 0, i, StandardCharsets.UTF_8),
                        Arrays.copyOfRange(decoded, i + 1, decoded.length));
            }
        }
        return null;
    }
}
