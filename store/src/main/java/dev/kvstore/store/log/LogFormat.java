package dev.kvstore.store.log;

/**
 * Which kinds of log entries a store can read. A store says its format in the replication handshake;
 * a primary writes an entry of a newer kind only while every store it streams to reads it, and
 * refuses to stream one to a store that cannot, so a rolling update never hands a store an entry it
 * would take for corruption.
 */
public final class LogFormat {

    /** PUT, DELETE and NOOP: every release so far. */
    public static final int BASIC = 1;
    /**
     * Adds BATCH: several keys' changes in one entry (MSET, multi-key DEL, MULTI/EXEC), and values with a
     * time to live (SET EX, EXPIRE), which only a BATCH carries; and snapshots that hold expiries.
     */
    public static final int BATCHES = 2;
    /** What this release reads and writes. */
    public static final int CURRENT = BATCHES;

    private LogFormat() {
    }

    /** The lowest format that can read {@code op}. */
    public static int needed(LogEntry.Op op) {
        return op == LogEntry.Op.BATCH ? BATCHES : BASIC;
    }
}
