package dev.kvstore.store.node;

/**
 * What a read-modify-write command decided from the current value of its key: the write to log (a
 * PUT of {@code value}, a DELETE, or nothing) and the reply its client gets once that is committed.
 *
 * @param <R> the reply, in the caller's terms
 */
public record Decision<R>(Kind kind, byte[] value, long expiresAtMillis, R reply) {

    public enum Kind { PUT, DELETE, NONE }

    /** For {@code expiresAtMillis}: the value keeps the time to live the key has (INCR, APPEND, SET KEEPTTL). */
    public static final long KEEP_TTL = -1;

    /** A new value without a time to live (SET, GETSET): a time the key had goes, as in Redis. */
    public static <R> Decision<R> put(byte[] value, R reply) {
        return new Decision<>(Kind.PUT, value, 0, reply);
    }

    /** A new value that keeps the key's time to live. */
    public static <R> Decision<R> putKeepingTtl(byte[] value, R reply) {
        return new Decision<>(Kind.PUT, value, KEEP_TTL, reply);
    }

    /** A new value that expires at {@code expiresAtMillis} (0: never). */
    public static <R> Decision<R> put(byte[] value, long expiresAtMillis, R reply) {
        return new Decision<>(Kind.PUT, value, expiresAtMillis, reply);
    }

    public static <R> Decision<R> delete(R reply) {
        return new Decision<>(Kind.DELETE, null, 0, reply);
    }

    /**
     * The reply once the decision holds; the log offset it rests on (its own entry, the pending write
     * it read, or 0: the applied state); whether it wrote.
     */
    public record Done<R>(R reply, long offset, boolean wrote) {
    }

    /** Nothing to write (a SETNX on a key that exists, an INCR of a value that is not a number). */
    public static <R> Decision<R> none(R reply) {
        return new Decision<>(Kind.NONE, null, 0, reply);
    }

    /** The time the new value expires at, given the time the key has now. */
    public long expiresAtMillis(long current) {
        return expiresAtMillis == KEEP_TTL ? current : expiresAtMillis;
    }
}
