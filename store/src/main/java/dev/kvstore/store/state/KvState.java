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
        switch (entry.op()) {
            case PUT -> {
                String key = entry.keyString();
                byte[] old = data.put(key, entry.value());
                usedBytes.addAndGet(MemoryEstimate.of(key, entry.value()) - MemoryEstimate.of(key, old));
            }
            case DELETE -> {
                String key = entry.keyString();
                usedBytes.addAndGet(-MemoryEstimate.of(key, data.remove(key)));
            }
            case NOOP -> { }
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

    /** Replaces everything with a snapshot's data, as of {@code offset}. */
    public synchronized void load(Map<String, byte[]> snapshot, long offset) {
        data.clear();
        data.putAll(snapshot);
        usedBytes.set(snapshot.entrySet().stream().mapToLong(e -> MemoryEstimate.of(e.getKey(), e.getValue())).sum());
        appliedOffset = offset;
    }

    /** A copy of the map as of {@link #appliedOffset()}; callers hold off applies meanwhile. */
    public synchronized Map<String, byte[]> copy() {
        return new java.util.HashMap<>(data);
    }

    public synchronized void clear() {
        data.clear();
        usedBytes.set(0);
        appliedOffset = 0;
    }
}
