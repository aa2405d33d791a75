package dev.kvstore.core;

/** SYNC acknowledges a write once minSyncReplicas secondaries stored it durably; ASYNC once the primary did. */
public enum ReplicationMode {
    SYNC, ASYNC;

    public static ReplicationMode parse(String text) {
        return valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
    }
}
