package dev.kvstore.store.node;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * For WATCH: the newest log offset this primary wrote to each key, kept per slot of the key's hash
 * in a fixed table (512 KiB) rather than per key, so it costs no memory per key. Keys that share a
 * slot make a watched transaction fail when it need not (the client retries, as after any lost race),
 * never succeed when it should not. Offsets only grow within a term; a watch from another term is
 * treated as broken.
 */
final class WriteStamps {

    private static final int SLOTS = 1 << 16;

    private final AtomicLongArray newestWrite = new AtomicLongArray(SLOTS);

    /** Called under the append lock, with the offset of the entry that writes {@code key}. */
    void wrote(String key, long offset) {
        newestWrite.set(slot(key), offset);
    }

    boolean writtenAfter(String key, long offset) {
        return newestWrite.get(slot(key)) > offset;
    }

    private static int slot(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h & (SLOTS - 1);
    }
}
