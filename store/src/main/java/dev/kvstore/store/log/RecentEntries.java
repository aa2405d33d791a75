package dev.kvstore.store.log;

/**
 * The last few entries appended, as the objects that were appended, by offset: the reads that follow an append
 * within a millisecond or so (the primary streaming an entry to its secondaries and applying it at commit; a
 * secondary applying what it just received) take them from here instead of decoding them again from the log's
 * bytes, which made an entry, its key and value arrays and a buffer view twice over for every write.
 *
 * <p>Few on purpose ({@link #CAPACITY}): an entry stays here for the next thousand appends, milliseconds under
 * load, so a young collection finds at most those alive, not the seconds' worth of entries whose copying and
 * promotion once made most of each young pause (see {@link LogTail}). A read further back decodes the bytes.
 *
 * <p>Slots are keyed by offset; a truncation or reset of the log forgets everything (offsets then name other
 * entries). Not thread-safe: the log's lock guards it.
 */
final class RecentEntries {

    static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;

    private final LogEntry[] slots = new LogEntry[CAPACITY];

    /** The entry just appended at its offset. */
    void appended(LogEntry entry) {
        slots[(int) (entry.offset() & MASK)] = entry;
    }

    /** The entry at {@code offset} when it is one of the last appended, or null. */
    LogEntry at(long offset) {
        LogEntry entry = slots[(int) (offset & MASK)];
        return entry != null && entry.offset() == offset ? entry : null;
    }

    /** Offsets now name other entries (a truncation, a reset): nothing held is the log's any more. */
    void forget() {
        java.util.Arrays.fill(slots, null);
    }
}
