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
    private volatile long appliedOffset;

    /** Applies the entry at the next offset. */
    public synchronized void apply(LogEntry entry) {
        if (entry.offset() != appliedOffset + 1) {
            throw new IllegalStateException("applying " + entry + " after offset " + appliedOffset);
        }
        switch (entry.op()) {
            case PUT -> data.put(entry.keyString(), entry.value());
            case DELETE -> data.remove(entry.keyString());
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

    /** Replaces everything with a snapshot's data, as of {@code offset}. */
    public synchronized void load(Map<String, byte[]> snapshot, long offset) {
        data.clear();
        data.putAll(snapshot);
        appliedOffset = offset;
    }

    /** A copy of the map as of {@link #appliedOffset()}; callers hold off applies meanwhile. */
    public synchronized Map<String, byte[]> copy() {
        return new java.util.HashMap<>(data);
    }

    public synchronized void clear() {
        data.clear();
        appliedOffset = 0;
    }
}
