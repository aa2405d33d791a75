package dev.kvstore.store.node;

/**
 * When a store writes its next snapshot. At least {@code everyEntries} applied entries after the last
 * one, and then, like Redis's {@code auto-aof-rewrite-percentage}, once the entries since reach
 * {@code growthPercent} percent of the keys the last one held: a snapshot writes every key, so at a
 * fixed interval a large data set would be written again and again (a million keys every 100,000
 * writes made snapshots the primary's largest CPU cost under load), while this keeps snapshot work
 * proportional to the writes. Two bounds keep the longer log in check: at most
 * {@value #MAX_INTERVALS} times {@code everyEntries} (the log's index and the replay at restart grow
 * with its entries), and, whatever the growth, a snapshot as soon as the room left on the volume above
 * its reserve is less than twice the last snapshot's size (one new snapshot and as much again), and
 * without waiting for the interval once there is no room above the reserve at all: compacting the log
 * is how a store frees its disk, and a volume that fills with log before the next snapshot is due
 * would refuse every write and never reach it.
 */
record SnapshotSchedule(long everyEntries, int growthPercent) {

    /** The longest interval, in {@code everyEntries}. */
    static final int MAX_INTERVALS = 10;

    /** The snapshot file on disk: the offset it ends at, how many keys it holds, its size in bytes. */
    record Mark(long offset, long keys, long bytes) {
        static final Mark NONE = new Mark(0, 0, 0);
    }

    SnapshotSchedule {
        if (everyEntries < 1) {
            throw new IllegalArgumentException("kv.snapshot-every-entries must be at least 1, got " + everyEntries);
        }
        if (growthPercent < 0) {
            throw new IllegalArgumentException("kv.snapshot-growth-percent must be 0 or more, got " + growthPercent);
        }
    }

    /**
     * @param appliedOffset  what the store has applied
     * @param last           the snapshot on disk
     * @param roomAboveReserve the volume's free bytes minus the reserve the store keeps
     */
    boolean due(long appliedOffset, Mark last, long roomAboveReserve) {
        long since = appliedOffset - last.offset();
        if (since > 0 && roomAboveReserve <= 0) {
            return true; // writes are refused for want of disk: compacting the log is the way out
        }
        if (since < everyEntries) {
            return false;
        }
        return roomAboveReserve < 2 * last.bytes()
                || since >= last.keys() * growthPercent / 100
                || since >= MAX_INTERVALS * everyEntries;
    }
}
