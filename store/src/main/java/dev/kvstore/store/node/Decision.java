package dev.kvstore.store.node;

/**
 * What a read-modify-write command decided from the current value of its key: the write to log (a
 * PUT of {@code value}, a DELETE, or nothing) and the reply its client gets once that is committed.
 *
 * @param <R> the reply, in the caller's terms
 */
public record Decision<R>(Kind kind, byte[] value, R reply) {

    public enum Kind { PUT, DELETE, NONE }

    public static <R> Decision<R> put(byte[] value, R reply) {
        return new Decision<>(Kind.PUT, value, reply);
    }

    public static <R> Decision<R> delete(R reply) {
        return new Decision<>(Kind.DELETE, null, reply);
    }

    /**
     * The reply once the decision holds; the log offset it rests on (its own entry, the pending write
     * it read, or 0: the applied state); whether it wrote.
     */
    public record Done<R>(R reply, long offset, boolean wrote) {
    }

    /** Nothing to write (a SETNX on a key that exists, an INCR of a value that is not a number). */
    public static <R> Decision<R> none(R reply) {
        return new Decision<>(Kind.NONE, null, reply);
    }
}
