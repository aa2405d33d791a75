package dev.kvstore.store.repl;

/** The peer sent bytes that break the replication protocol; the connection is closed. */
public class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }
}
