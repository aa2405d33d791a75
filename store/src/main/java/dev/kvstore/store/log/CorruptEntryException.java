package dev.kvstore.store.log;

/** Bytes that do not form a valid log entry: bad length, bad checksum or bad field. */
public class CorruptEntryException extends RuntimeException {
    public CorruptEntryException(String message) {
        super(message);
    }
}
