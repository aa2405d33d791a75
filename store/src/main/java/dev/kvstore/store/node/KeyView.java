package dev.kvstore.store.node;

/**
 * What a decision on the primary reads: each key's newest value in the log, committed or not (null:
 * absent), and whether a key was written since a {@link WatchPoint} (WATCH).
 */
public interface KeyView {

    /** The key's newest value, or null when it is absent or its time to live has passed. */
    byte[] get(String key);

    /** When the key's newest value expires (Unix milliseconds), 0 when never or when it is absent. */
    long expiresAtMillis(String key);

    /** The deciding store's clock (Unix milliseconds): expiries are decided on it. */
    long nowMillis();

    /**
     * True when {@code key} may have been written after {@code since}: certainly when it was, and
     * also when this primary cannot tell (its term changed, or another key shares the key's stamp).
     */
    boolean writtenSince(String key, WatchPoint since);

    /**
     * True when a watched key may have changed since it was watched: written after it, or its value
     * then has expired since (as Redis 6.0.9 and later abort an EXEC on a watched key that expired).
     */
    default boolean changedSince(String key, Watch watch) {
        return writtenSince(key, watch.point())
                || (watch.expiresAtMillis() != 0 && watch.expiresAtMillis() <= nowMillis());
    }

    /** Where the log stood when a client WATCHed: this primary's term and its applied offset. */
    record WatchPoint(long term, long offset) {
    }

    /** A watched key: where the log stood, and when the key's value then expires (0: never, or absent). */
    record Watch(WatchPoint point, long expiresAtMillis) {
    }
}
