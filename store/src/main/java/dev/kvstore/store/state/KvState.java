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

    /** Heap bytes of one key's expiry: 8 in its record, and its node in the time index. */
    public static final int EXPIRY_OVERHEAD_BYTES = 48;

    /** Each key's record ({@link KeyRecord}): key, expiry and value in one array, so a read never pairs a value with another's expiry. */
    private final RecordTable data = new RecordTable();
    /** The records that carry an expiry, earliest first: the index the primary's expirer reads. */
    private final java.util.concurrent.ConcurrentSkipListSet<byte[]> dueIndex =
            new java.util.concurrent.ConcurrentSkipListSet<>(KeyRecord::compareByExpiry);
    private final java.util.concurrent.atomic.AtomicInteger expiring = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong usedBytes = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.function.LongSupplier clock;
    private volatile long appliedOffset;
    /**
     * Held by {@link #apply} and {@link #atOnePoint} only: a multi-key read waits for one entry's apply,
     * never for a snapshot's walk or load (they hold this object's monitor, for a long time, and the
     * reads run on event loops; during a load the node refuses reads anyway).
     */
    private final Object applyLock = new Object();

    public KvState() {
        this(System::currentTimeMillis);
    }

    /** @param clock Unix time in milliseconds: what reads compare expiries with */
    public KvState(java.util.function.LongSupplier clock) {
        this.clock = clock;
    }

    /** A key's value and when it expires (0: never), as one read saw them. */
    public record Value(byte[] bytes, long expiresAtMillis) {
    }

    private static long bytesOf(byte[] record) {
        if (record == null) {
            return 0;
        }
        long expiry = KeyRecord.expiresAtMillis(record) != 0 ? EXPIRY_OVERHEAD_BYTES : 0;
        return MemoryEstimate.ENTRY_OVERHEAD_BYTES + KeyRecord.keyLength(record) + KeyRecord.valueLength(record) + expiry;
    }

    private static byte[] utf8(String key) {
        return key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static boolean expired(byte[] record, long nowMillis) {
        long at = KeyRecord.expiresAtMillis(record);
        return at != 0 && at <= nowMillis;
    }

    /** Applies the entry at the next offset. */
    public synchronized void apply(LogEntry entry) {
        if (entry.offset() != appliedOffset + 1) {
            throw new IllegalStateException("applying " + entry + " after offset " + appliedOffset);
        }
        synchronized (applyLock) {
            if (entry.op() == LogEntry.Op.PUT && KeyRecord.isAscii(entry.key())) {
                // the common write, straight from the entry's bytes: decoding it into a String and a list of one
                // mutation, only to encode the key back to the same bytes, made a third of the apply's garbage
                store(entry.key(), KeyRecord.ofAscii(entry.key(), 0, entry.value()));
            } else {
                for (dev.kvstore.store.log.Mutation mutation : entry.mutations()) {
                    byte[] keyBytes = utf8(mutation.key());
                    store(keyBytes, mutation.deletes() ? null : KeyRecord.of(mutation.key(), keyBytes,
                            mutation.expires() ? mutation.expiresAtMillis() : 0, mutation.value()));
                }
            }
            appliedOffset = entry.offset();
        }
    }

    /** Replaces (null: removes) a key's record in one step, keeping the time index and the bytes in line. */
    private void store(byte[] keyBytes, byte[] record) {
        byte[] old = record == null ? data.remove(keyBytes) : data.put(keyBytes, record);
        usedBytes.addAndGet(bytesOf(record) - bytesOf(old));
        if (old != null && KeyRecord.expiresAtMillis(old) != 0) {
            dueIndex.remove(old);
            expiring.decrementAndGet();
        }
        if (record != null && KeyRecord.expiresAtMillis(record) != 0) {
            dueIndex.add(record);
            expiring.incrementAndGet();
        }
    }

    /**
     * Runs {@code reads} with no entry applied meanwhile ({@link #apply} holds the same lock), so reads
     * of several keys see a multi-key entry whole or not at all.
     */
    public <T> T atOnePoint(java.util.function.Supplier<T> reads) {
        synchronized (applyLock) {
            return reads.get();
        }
    }

    /** The key's value, or null when it is absent or its time has passed. */
    public byte[] get(String key) {
        byte[] record = data.get(utf8(key));
        return record == null || expired(record, clock.getAsLong()) ? null : KeyRecord.value(record);
    }

    /** The key's value and expiry from one read, or null when absent or past its time at {@code nowMillis}. */
    public Value current(String key, long nowMillis) {
        byte[] record = data.get(utf8(key));
        if (record == null || expired(record, nowMillis)) {
            return null;
        }
        return new Value(KeyRecord.value(record), KeyRecord.expiresAtMillis(record));
    }

    /** When the key expires (Unix milliseconds), 0 when it does not or is absent; its time may have passed. */
    public long expiresAtMillis(String key) {
        byte[] record = data.get(utf8(key));
        return record == null ? 0 : KeyRecord.expiresAtMillis(record);
    }

    /** Up to {@code limit} keys whose time has passed at {@code nowMillis}, earliest first: for the primary to delete. */
    public java.util.List<String> dueKeys(long nowMillis, int limit) {
        java.util.List<String> due = new java.util.ArrayList<>();
        for (byte[] next : dueIndex) {
            if (KeyRecord.expiresAtMillis(next) > nowMillis || due.size() >= limit) {
                break;
            }
            due.add(KeyRecord.key(next));
        }
        return due;
    }

    /** How many keys carry an expiry (live or past). */
    public int expiringKeys() {
        return expiring.get();
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
        return MemoryEstimate.of(key, value) - bytesOf(data.get(utf8(key)));
    }

    /** How many bytes this change would add, its expiry counted (negative when it shrinks the data). */
    public long growthOf(dev.kvstore.store.log.Mutation mutation) {
        String key = mutation.key();
        long added = mutation.deletes() ? 0
                : MemoryEstimate.of(key, mutation.value()) + (mutation.expires() ? EXPIRY_OVERHEAD_BYTES : 0);
        return added - bytesOf(data.get(utf8(key)));
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
                byte[] keyBytes = utf8(key);
                store(keyBytes, KeyRecord.of(key, keyBytes, 0, value));
            }

            @Override
            public void expiry(String key, long atMillis) {
                byte[] keyBytes = utf8(key);
                byte[] record = data.get(keyBytes);
                if (record != null && atMillis > 0) {
                    store(keyBytes, KeyRecord.withExpiry(record, atMillis));
                }
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
     * The data as of {@link #appliedOffset()}, for a snapshot: references to the (never changed) records
     * in one array, about 4 bytes per key, not a copy of the data. Callers hold off applies meanwhile.
     */
    public synchronized dev.kvstore.store.snapshot.SnapshotData frozen() {
        byte[][] records = new byte[data.size()][];
        int[] count = {0};
        data.forEach(record -> records[count[0]++] = record);
        if (count[0] != records.length) {
            throw new IllegalStateException("the map changed while frozen: " + count[0] + " of " + records.length);
        }
        return new FrozenRecords(records);
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
        data.forEach(record -> {
            long position = scanPosition(KeyRecord.hash(record));
            if (position < from) {
                return;
            }
            if (smallest.size() < wanted) {
                smallest.add(position);
            } else if (position < smallest.peek()) {
                smallest.poll();
                smallest.add(position);
            }
        });
        if (smallest.isEmpty()) {
            return new ScanPage(0, java.util.List.of());
        }
        long last = smallest.peek();
        long now = clock.getAsLong();
        java.util.List<String> keys = new java.util.ArrayList<>();
        boolean[] more = {false};
        data.forEach(record -> {
            long position = scanPosition(KeyRecord.hash(record));
            if (position > last) {
                more[0] = true;
            } else if (position >= from && !expired(record, now)) {
                String key = KeyRecord.key(record);
                if (match.test(key)) {
                    keys.add(key);
                }
            }
        });
        return new ScanPage(more[0] ? last + 1 : 0, keys);
    }

    /** A key's place in scan order, 1 to 2^32: its hash through Murmur3's finalizer, a bijection. */
    static long scanPosition(String key) {
        return scanPosition(key.hashCode());
    }

    private static long scanPosition(int hash) {
        return Integer.toUnsignedLong(mix(hash)) + 1;
    }

    /** Murmur3's 32-bit finalizer: spreads similar hashes apart, one to one. */
    static int mix(int hash) {
        int h = hash;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    public synchronized void clear() {
        data.clear();
        dueIndex.clear();
        expiring.set(0);
        usedBytes.set(0);
        appliedOffset = 0;
    }
}
