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

    /** A write just appended by this primary: each key its {@code mutations} change now has this pending value. */
    void appended(LogEntry entry, java.util.List<Mutation> mutations) {
        if (entry.op() == LogEntry.Op.NOOP) {
            return;
        }
        for (Mutation mutation : mutations) {
            Pending pending = new Pending(entry.offset(), mutation.value(), mutation.expiresAtMillis());
            byKey.put(mutation.key(), pending);
            // the entry may have committed and been applied between the append and the put above, its
            // applied() finding nothing to remove: then this removes it (apply sets the offset first)
            if (appliedOffset.getAsLong() >= entry.offset()) {
                byKey.remove(mutation.key(), pending);
            }
        }
    }

    /** The entry is applied to the state: the pending values it set (not newer ones) go. */
    void applied(LogEntry entry) {
        if (byKey.isEmpty() || entry.op() == LogEntry.Op.NOOP) {
            return;
        }
        for (Mutation mutation : entry.mutations()) {
            byKey.computeIfPresent(mutation.key(), (key, pending) -> pending.offset() <= entry.offset() ? null : pending);
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
