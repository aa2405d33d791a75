package dev.kvstore.store.repl;

/** One replication frame: {@code int length (of type + payload), byte type, payload}. */
public record Frame(byte type, byte[] payload) {
}
