package dev.kvstore.store.node;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A client's wait for the commit of the entry it wrote, completed with the entry's term and offset. The memory
 * the entry reserved is released when the tracker is done with the entry: committed (the tracker applies before it
 * tells its waiters) or failed with its term; and before the client hears of it. Not when the client stops
 * waiting: a timeout completes this future, not the tracker's wait, and the entry is still in the log and may
 * commit. One object per write where a chain of four futures and their stages were (a tenth of what a primary
 * allocated under pipelined {@code SET}s).
 */
final class ClientWait extends CompletableFuture<WriteResult> implements CommitWaiter {

    private final long term;
    private final long offset;
    private final long reserved;
    private final long admittedNanos;
    private final MemoryReservations memory;
    private final LongConsumer commitLatency;

    /**
     * @param reserved       the bytes {@code memory} reserved for the entry
     * @param admittedNanos  when the write was admitted ({@link System#nanoTime()})
     * @param commitLatency  hears the nanoseconds from admission to commit; must not throw
     */
    ClientWait(long term, long offset, long reserved, long admittedNanos, MemoryReservations memory,
               LongConsumer commitLatency) {
        this.term = term;
        this.offset = offset;
        this.reserved = reserved;
        this.admittedNanos = admittedNanos;
        this.memory = memory;
        this.commitLatency = commitLatency;
    }

    @Override
    public long offset() {
        return offset;
    }

    @Override
    public void committed(long commit) {
        memory.release(reserved);
        commitLatency.accept(System.nanoTime() - admittedNanos);
        complete(new WriteResult(term, offset));
    }

    @Override
    public void failed(RuntimeException cause) {
        memory.release(reserved);
        completeExceptionally(cause);
    }
}
