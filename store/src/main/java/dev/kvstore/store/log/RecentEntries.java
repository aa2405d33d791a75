package dev.kvstore.store.log;

/**
 * The last few entries appended, as the objects that were appended, by offset: the reads that follow an append
 * within a millisecond or so (the primary streaming an entry to its secondaries and applying it at commit; a
 * secondary applying what it just received) take them from here instead of decoding them again from the log's
 * bytes, which made an entry, its key and value arrays and a buffer view twice over for every write.
 *
 * <p>Few on purpose ({@link #CAPACITY}): an entry stays here for the next thousand appends, milliseconds under
 * load, so a young collection finds at most those alive, not the seconds' worth of entries whose copying and
 * promotion once made most of each young pause (see {@link LogTail}). And small ones only ({@link #MAX_KEPT_BYTES}):
 * a thousand values of a megabyte (or batches of eight) would hold a gigabyte outside the memory budget, and
 * on an idle store for good. A read of anything else decodes the bytes.
 *
 * <p>Slots are keyed by offset. A truncation or reset of the log forgets everything: offsets then name other
 * entries (every offset readable afterwards is appended again first, so this is a belt, not the guarantee).
 * Not thread-safe: the log's lock guards it.
 */
final class RecentEntries {

    static final int CAPACITY = 1024;
    /** The largest entry kept (key and value bytes): at most 4 MiB held in all. */
    static final int MAX_KEPT_BYTES = 4096;
    private static final int MASK = CAPACITY - 1;

    private final LogEntry[] slots = new LogEntry[CAPACITY];

    /** The entry just appended at its offset (a large one is not kept, and the older entry in its slot goes). */
    void appended(LogEntry entry) {
        boolean small = entry.key().length + entry.value().length <= MAX_KEPT_BYTES;
        slots[(int) (entry.offset() & MASK)] = small ? entry : null;
    }

    /** The bytes of keys and values held (for tests). */
    long heldBytes() {
        long held = 0;
        for (LogEntry entry : slots) {
            if (entry != null) {
                held += entry.key().length + entry.value().length;
            }
        }
        return held;
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
