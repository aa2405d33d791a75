package dev.kvstore.store.log;

import java.nio.charset.StandardCharsets;

/** One key's change inside a log entry: its new value, or its deletion ({@code value} null). */
public record Mutation(String key, byte[] value) {

    public static Mutation put(String key, byte[] value) {
        return new Mutation(key, value);
    }

    public static Mutation delete(String key) {
        return new Mutation(key, null);
    }

    public boolean deletes() {
        return value == null;
    }

    public byte[] keyBytes() {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
