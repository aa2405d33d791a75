package dev.kvstore.store.state;

import dev.kvstore.store.log.LogEntry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The key-value map: the log's committed entries applied in order. Deterministic, no I/O; the whole
 * data set lives in memory, as in Redis, and is rebuilt from the log on start.
 *
 * <p>A key may carry the time it expires (as the primary decided it; the same on every store). Reads
 * hide a key whose time has passed by this store's clock, but only a logged delete (the primary's
 * expirer writes one, {@link #dueKeys}) removes it, so every store holds the same keys at an offset.
 */
public final class KvState {

    /** Heap bytes of one key's expiry: its map node and boxed time, and its entry in the time index. */
    public static final int EXPIRY_OVERHEAD_BYTES = 96;

    /** A key and when it expires, ordered by time: the index the primary's expirer reads. */
    private record Due(long atMillis, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = Long.compare(atMillis, other.atMillis);
            return byTime != 0 ? byTime : key.compareTo(other.key);
        }
    }

    private final Map<String, byte[]> data = new ConcurrentHashMap<>();
    private final Map<String, Long> expiresAt = new ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentSkipListSet<Due> dueIndex = new java.util.concurrent.ConcurrentSkipListSet<>();
    private final java.util.concurrent.atomic.AtomicLong usedBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.function.LongSupplier clock;
    private volatile long appliedOffset;

    public KvState() {
        this(System::currentTimeMillis);
    }

    /** @param clock Unix time in milliseconds: what reads compare expiries with */
    public KvState(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    /** Applies the entry at the next offset. */
    public synchronized void apply(LogEntry entry) {
        if (entry.offset() != appliedOffset + 1) {
            throw new IllegalStateException("applying " + entry + " after offset " + appliedOffset);
        }
        for (dev.kvstore.store.log.Mutation mutation : entry.mutations()) {
            String key = mutation.key();
            if (mutation.deletes()) {
                usedBytes.addAndGet(-MemoryEstimate.of(key, data.remove(key)));
                expire(key, 0);
            } else if (mutation.expires()) {
                // the expiry before the value: a read in between sees the old value with the new time, not
                // the new value without one
                expire(key, mutation.expiresAtMillis());
                putValue(key, mutation.value());
            } else {
                putValue(key, mutation.value());
                expire(key, 0);
            }
        }
        appliedOffset = entry.offset();
    }

    private void putValue(String key, byte[] value) {
        byte[] old = data.put(key, value);
        usedBytes.addAndGet(MemoryEstimate.of(key, value) - MemoryEstimate.of(key, old));
    }

    /** Sets (0: clears) the key's expiry, with its index entry and its bytes. */
    private void expire(String key, long atMillis) {
        Long old = atMillis == 0 ? expiresAt.remove(key) : expiresAt.put(key, atMillis);
        if (old != null) {
            dueIndex.remove(new Due(old, key));
        } else if (atMillis != 0) {
            usedBytes.addAndGet(EXPIRY_OVERHEAD_BYTES);
        }
        if (atMillis != 0) {
            dueIndex.add(new Due(atMillis, key));
        } else if (old != null) {
            usedBytes.addAndGet(-EXPIRY_OVERHEAD_BYTES);
        }
    }

    /** The key's value, or null when it is absent or its time has passed. */
    public byte[] get(String key) {
        byte[] value = data.get(key);
        if (value != null && !expiresAt.isEmpty()) {
            Long at = expiresAt.get(key);
            if (at != null && at <= clock.getAsLong()) {
                return null;
            }
        }
        return value;
    }

    /** When the key expires (Unix milliseconds), 0 when it does not or is absent. */
    public long expiresAtMillis(String key) {
        if (expiresAt.isEmpty()) {
            return 0;
        }
        Long at = expiresAt.get(key);
        return at == null ? 0 : at;
    }

    /** Up to {@code limit} keys whose time has passed at {@code nowMillis}, earliest first: for the primary to delete. */
    public java.util.List<String> dueKeys(long nowMillis, int limit) {
        java.util.List<String> due = new java.util.ArrayList<>();
        for (Due next : dueIndex) {
            if (next.atMillis() > nowMillis || due.size() >= limit) {
                break;
            }
            due.add(next.key());
        }
        return due;
    }

    /** How many keys carry an expiry (live or past). */
    public int expiringKeys() {
        return expiresAt.size();
    }

    private boolean live(String key) {
        if (expiresAt.isEmpty()) {
            return true;
        }
        Long at = expiresAt.get(key);
        return at == null || at > clock.getAsLong();
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

    /** How many bytes this change would add, its expiry counted (negative when it shrinks the data). */
    public long growthOf(dev.kvstore.store.log.Mutation mutation) {
        String key = mutation.key();
        boolean hadExpiry = expiresAtMillis(key) != 0;
        long expiryGrowth = (mutation.expires() ? EXPIRY_OVERHEAD_BYTES : 0) - (hadExpiry ? EXPIRY_OVERHEAD_BYTES : 0);
        return MemoryEstimate.of(key, mutation.value()) - MemoryEstimate.of(key, data.get(key)) + expiryGrowth;
    }

    /**
     * Replaces everything with the pairs {@code feed} hands over, as of the offset it returns. The old
     * data is dropped first, so a load never holds two data sets at once.
     */
    public synchronized long load(Feed feed) throws java.io.IOException {
        clear();
        long offset = feed.feed(new dev.kvstore.store.snapshot.SnapshotData.Sink() {
            @Override
            public void accept(String key, byte[] value) {
                putValue(key, value);
            }

            @Override
            public void expiry(String key, long atMillis) {
                expire(key, atMillis);
            }
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
        // a copy, unlike the values: only keys with a time to live are in it
        return dev.kvstore.store.snapshot.SnapshotData.of(keys, values, Map.copyOf(expiresAt));
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
            } else if (position >= from && match.test(key) && live(key)) {
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
        expiresAt.clear();
        dueIndex.clear();
        usedBytes.set(0);
        appliedOffset = 0;
    }
}
