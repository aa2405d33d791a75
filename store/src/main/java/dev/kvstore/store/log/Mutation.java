package dev.kvstore.store.log;

import java.nio.charset.StandardCharsets;

/**
 * One key's change inside a log entry: its new value, or its deletion ({@code value} null). A new
 * value replaces the key's time to live: {@code expiresAtMillis} is when it expires (Unix time, as the
 * primary's clock read it when it decided), 0 for never.
 */
public record Mutation(String key, byte[] value, long expiresAtMillis) {

    public Mutation {
        if (expiresAtMillis < 0 || (value == null && expiresAtMillis != 0)) {
            throw new IllegalArgumentException("expiry " + expiresAtMillis + " for " + (value == null ? "a delete" : key));
        }
    }

    public static Mutation put(String key, byte[] value) {
        return new Mutation(key, value, 0);
    }

    /** A value that expires at {@code expiresAtMillis} (0: never). */
    public static Mutation put(String key, byte[] value, long expiresAtMillis) {
        return new Mutation(key, value, expiresAtMillis);
    }

    public static Mutation delete(String key) {
        return new Mutation(key, null, 0);
    }

    public boolean deletes() {
        return value == null;
    }

    public boolean expires() {
        return expiresAtMillis != 0;
    }

    public byte[] keyBytes() {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
