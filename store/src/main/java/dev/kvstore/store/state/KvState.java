package dev.kvstore.store.state;

import dev.kvstore.store.log.LogEntry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-value map: the log's committed entries applied in order. Deterministic, no I/O; the whole
 * data set lives in memory, as in Redis, and is rebuilt from the log on start.
 */
public final class KvState {

    private final Map<String, byte[]> data = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong usedBytes = new java.util.concurrent.atomic.AtomicLong();
    private volatile long appliedOffset;

    /** Applies the entry at the next offset. */
    public synchronized void apply(LogEntry entry) {
        if (entry.offset() != appliedOffset + 1) {
            throw new IllegalStateException("applying " + entry + " after offset " + appliedOffset);
        }
        for (dev.kvstore.store.log.Mutation mutation : entry.mutations()) {
            String key = mutation.key();
            if (mutation.deletes()) {
                usedBytes.addAndGet(-MemoryEstimate.of(key, data.remove(key)));
            } else {
                byte[] old = data.put(key, mutation.value());
                usedBytes.addAndGet(MemoryEstimate.of(key, mutation.value()) - MemoryEstimate.of(key, old));
            }
        }
        appliedOffset = entry.offset();
    }

    public byte[] get(String key) {
        return data.get(key);
    }

    public long appliedOffset() {
        return appliedOffset;
    }

    public int size() {
        return data.size();
    }

    /** Estimated heap bytes of the data ({@link MemoryEstimate}). */
    public long usedBytes() {
        return usedBytes.get();
    }

    /** How many bytes putting {@code value} at {@code key} would add (negative when it shrinks). */
    public long growthOf(String key, byte[] value) {
        return MemoryEstimate.of(key, value) - MemoryEstimate.of(key, data.get(key));
    }

    /**
     * Replaces everything with the pairs {@code feed} hands over, as of the offset it returns. The old
     * data is dropped first, so a load never holds two data sets at once.
     */
    public synchronized long load(Feed feed) throws java.io.IOException {
        clear();
        long offset = feed.feed((key, value) -> {
            byte[] old = data.put(key, value);
            usedBytes.addAndGet(MemoryEstimate.of(key, value) - MemoryEstimate.of(key, old));
        });
        appliedOffset = offset;
        return offset;
    }

    /** Hands a data set to a sink pair by pair; returns the offset the data is as of. */
    @FunctionalInterface
    public interface Feed {
        long feed(dev.kvstore.store.snapshot.SnapshotData.Sink sink) throws java.io.IOException;
    }

    /**
     * The data as of {@link #appliedOffset()}, for a snapshot: references to the (never mutated) keys
     * and values in two arrays, about 8 bytes per key, not a copy of the data or of the map's nodes.
     * Callers hold off applies meanwhile.
     */
    public synchronized dev.kvstore.store.snapshot.SnapshotData frozen() {
        String[] keys = new String[data.size()];
        byte[][] values = new byte[keys.length][];
        int i = 0;
        for (Map.Entry<String, byte[]> entry : data.entrySet()) {
            keys[i] = entry.getKey();
            values[i] = entry.getValue();
            i++;
        }
        if (i != keys.length) {
            throw new IllegalStateException("the map changed while frozen: " + i + " of " + keys.length);
        }
        return dev.kvstore.store.snapshot.SnapshotData.of(keys, values);
    }

    /** One page of a scan: the keys, and the cursor to continue from (0 when the scan is complete). */
    public record ScanPage(long nextCursor, java.util.List<String> keys) {
    }

    /**
     * A page of about {@code count} keys in the order of a fixed function of the key (a mix of its
     * hash), starting at {@code cursor} (0 to begin), as SCAN promises: a key present from the first call
     * to the last is returned, once; keys added or removed meanwhile may or may not be. {@code count}
     * is counted before {@code match} filters, as in Redis. Costs a walk over the whole map per page:
     * the map has no order of its own to resume from.
     */
    public ScanPage scan(long cursor, int count, java.util.function.Predicate<String> match) {
        long from = Math.max(cursor, 1);
        int wanted = Math.max(1, count);
        // the `wanted` smallest positions at or after the cursor, largest on top
        java.util.PriorityQueue<Long> smallest = new java.util.PriorityQueue<>(java.util.Comparator.reverseOrder());
        for (String key : data.keySet()) {
            long position = scanPosition(key);
            if (position < from) {
                continue;
            }
            if (smallest.size() < wanted) {
                smallest.add(position);
            } else if (position < smallest.peek()) {
                smallest.poll();
                smallest.add(position);
            }
        }
        if (smallest.isEmpty()) {
            return new ScanPage(0, java.util.List.of());
        }
        long last = smallest.peek();
        java.util.List<String> keys = new java.util.ArrayList<>();
        boolean more = false;
        for (String key : data.keySet()) {
            long position = scanPosition(key);
            if (position > last) {
                more = true;
            } else if (position >= from && match.test(key)) {
                keys.add(key);
            }
        }
        return new ScanPage(more ? last + 1 : 0, keys);
    }

    /** A key's place in scan order, 1 to 2^32: its hash through Murmur3's finalizer, a bijection. */
    static long scanPosition(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Integer.toUnsignedLong(h) + 1;
    }

    public synchronized void clear() {
        data.clear();
        usedBytes.set(0);
        appliedOffset = 0;
    }
}
