package dev.kvstore.store.node;

/**
 * When a store writes its next snapshot: after {@code everyEntries} applied entries at least, and,
 * like Redis's {@code auto-aof-rewrite-percentage}, not before the entries applied since the last
 * snapshot reach {@code growthPercent} percent of the keys that one held. A snapshot writes every
 * key; at a fixed interval a large data set would be written again and again (a million keys every
 * 100,000 writes made snapshots the primary's largest CPU cost under load), while this keeps the
 * snapshot work proportional to the writes. The price is a longer log to replay at restart, at most
 * about as many entries as there are keys (with 100).
 */
record SnapshotSchedule(long everyEntries, int growthPercent) {

    SnapshotSchedule {
        if (everyEntries < 1) {
            throw new IllegalArgumentException("kv.snapshot-every-entries must be at least 1, got " + everyEntries);
        }
        if (growthPercent < 0) {
            throw new IllegalArgumentException("kv.snapshot-growth-percent must be 0 or more, got " + growthPercent);
        }
    }

    boolean due(long appliedSinceLast, long keysInLast) {
        return appliedSinceLast >= Math.max(everyEntries, keysInLast * growthPercent / 100);
    }
}
