package dev.kvstore.store.node;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The primary's view of its writes that are in the log but not yet applied: for each key, its newest
 * such value (or deletion). A command that decides on the current value (INCR, SETNX, APPEND) reads
 * here first, then the applied state, so it builds on every write logged before it, committed or not;
 * the log then carries its result, and every store applies the same thing.
 */
final class PendingWrites {

    /** The newest logged but unapplied write of a key: its offset, value (null: deleted) and expiry (0: none). */
    record Pending(long offset, byte[] value, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<String, Pending> byKey = new ConcurrentHashMap<>();
    private final LongSupplier appliedOffset;

    /** @param appliedOffset the state's applied offset, read after each insert (see {@link #appended}) */
    PendingWrites(LongSupplier appliedOffset) {
        this.appliedOffset = appliedOffset;
    }

    /**
     * A write just appended by this primary at {@code offset}: {@code key} now has this pending value (null:
     * deleted) and expiry (0: none).
     */
    void appended(long offset, String key, byte[] value, long expiresAtMillis) {
        Pending pending = new Pending(offset, value, expiresAtMillis);
        byKey.put(key, pending);
        // the entry may have committed and been applied between the append and the put above, its
        // applied() finding nothing to remove: then this removes it (apply sets the offset first)
        if (appliedOffset.getAsLong() >= offset) {
            byKey.remove(key, pending);
        }
    }

    /** The entry is applied to the state: the pending values it set (not newer ones) go. */
    void applied(LogEntry entry) {
        if (byKey.isEmpty() || entry.op() == LogEntry.Op.NOOP) {
            return;
        }
        if (entry.changesOneKey()) {
            appliedKey(entry.keyString(), entry.offset()); // one key, most writes: no mutation list made for it
            return;
        }
        for (Mutation mutation : entry.mutations()) {
            appliedKey(mutation.key(), entry.offset());
        }
    }

    private void appliedKey(String key, long offset) {
        Pending pending = byKey.get(key);
        if (pending != null && pending.offset() <= offset) {
            byKey.remove(key, pending); // not if a newer write of the key replaced it meanwhile
        }
    }

    /** The newest unapplied write of {@code key}, or null when the applied state is current. */
    Pending get(String key) {
        return byKey.get(key);
    }

    /** The term ended: what was pending may never commit. */
    void clear() {
        byKey.clear();
    }

    int size() {
        return byKey.size();
    }
}
