package dev.kvstore.store.node;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.state.KvState;
import dev.kvstore.store.state.MemoryEstimate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data's memory budget ({@code kv.max-memory}), decided by the primary before the log: a write that would
 * take the data past it is refused, so every store can always apply what the primary accepted. Deletes and
 * writes that do not grow the data always pass. The growth of writes in flight is reserved until they are
 * applied (or fail), so concurrent writers cannot overshoot the budget together. Thread-safe.
 */
final class MemoryReservations {

    private final KvState state;
    private final long maxMemoryBytes;
    private final AtomicLong reservedBytes = new AtomicLong();
    /** Part of reservedBytes: entries a new primary's log holds but has not applied yet (until its term commits). */
    private final AtomicLong backlogReserved = new AtomicLong();

    MemoryReservations(KvState state, long maxMemoryBytes) {
        this.state = state;
        this.maxMemoryBytes = maxMemoryBytes;
    }

    /**
     * Reserves what a write of one key (a PUT; other entries reserve nothing) may add.
     *
     * @return the bytes reserved, to {@link #release} when the write is applied or fails
     * @throws NodeExceptions.MemoryFull when it does not fit
     */
    long reserve(LogEntry operation) {
        if (operation.op() != LogEntry.Op.PUT) {
            return 0;
        }
        // far from the budget a write may reserve what it would cost as a new key: that skips a lookup of the old
        // value (and the key's String) on every write. In the last quarter the exact growth decides, as before,
        // so there an overwrite in flight holds nothing and a write that fits passes; what writes reserved on
        // the fast path (more than they add) is at most the three quarters below
        long bound = MemoryEstimate.growthBound(operation.key(), operation.value().length);
        long reserved = reservedBytes.get();
        long fastPathRoom = maxMemoryBytes / 4 * 3;
        if (state.usedBytes() + reserved + bound <= fastPathRoom
                && reservedBytes.compareAndSet(reserved, reserved + bound)) {
            return bound;
        }
        return reserve(List.of(Mutation.put(operation.keyString(), operation.value())));
    }

    /** Reserves what the writes of one entry add, exactly; see {@link #reserve(LogEntry)}. */
    long reserve(List<Mutation> writes) {
        long growth = 0;
        for (Mutation mutation : writes) {
            // no credit for a delete or a shrink: a write still pending may shrink or delete the same key,
            // and then only one of the two frees anything
            growth += Math.max(0, state.growthOf(mutation));
        }
        if (growth <= 0) {
            return 0;
        }
        while (true) {
            long reserved = reservedBytes.get();
            long used = state.usedBytes();
            if (used + reserved + growth > maxMemoryBytes) {
                throw new NodeExceptions.MemoryFull("OOM command not allowed when used memory > 'maxmemory': the data"
                        + " uses " + used + " of " + maxMemoryBytes + " bytes (kv.max-memory), " + reserved
                        + " more are on their way, and this write adds " + growth + "; nothing was stored."
                        + " Deletes and smaller values still work");
            }
            if (reservedBytes.compareAndSet(reserved, reserved + growth)) {
                return growth;
            }
        }
    }

    /** Gives back what {@link #reserve} returned. */
    void release(long reserved) {
        reservedBytes.addAndGet(-reserved);
    }

    /**
     * A new primary has not applied what its log holds past its applied offset (after a restart it applied up
     * to the commit hint; a secondary up to the commit point it heard of); all of it commits with the term's
     * first entry. Until then the growth of those {@code unapplied} entries is reserved, so the budget is not
     * checked against too small a figure.
     */
    void reserveBacklog(List<LogEntry> unapplied) {
        releaseBacklog();
        long growth = 0;
        for (LogEntry entry : unapplied) {
            for (Mutation mutation : entry.mutations()) {
                if (!mutation.deletes()) {
                    growth += MemoryEstimate.of(mutation.key(), mutation.value());
                }
            }
        }
        backlogReserved.set(growth);
        reservedBytes.addAndGet(growth);
    }

    /** Once the term's first commit applied the backlog, it counts as used, no longer as reserved. */
    void releaseBacklog() {
        reservedBytes.addAndGet(-backlogReserved.getAndSet(0));
    }
}
