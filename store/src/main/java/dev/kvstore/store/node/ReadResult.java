package dev.kvstore.store.node;

/** A value (or null) and how current the answering store is. */
public record ReadResult(byte[] value, String role, long epoch, long appliedOffset, long lag) {
}
