package dev.kvstore.store.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fails a client's wait for its write's commit with a {@link TimeoutException} once {@code kv.write-timeout-ms}
 * passed: one queue in admission order, swept every few milliseconds. Every write has the same timeout, so
 * the queue is in deadline order and a sweep stops at the first wait still within its time. Before, each
 * write's {@code CompletableFuture.orTimeout} scheduled a task on the JDK's shared delay queue and cancelled
 * it on commit: two locked heap operations and a wake-up of the delay thread per write, a twentieth of the
 * primary's event-loop time under pipelined writes. A timeout fires up to one sweep late.
 */
final class WriteDeadlines implements AutoCloseable {

    static final long SWEEP_EVERY_MS = 10;

    private record Waiting(long deadlineNanos, CompletableFuture<?> future) {
    }

    private final long timeoutNanos;
    private final ConcurrentLinkedQueue<Waiting> queue = new ConcurrentLinkedQueue<>();
    private ScheduledExecutorService sweeper;
    private volatile boolean closed;

    WriteDeadlines(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** Starts the sweeps on a thread of their own. */
    synchronized void start() {
        if (sweeper == null) {
            sweeper = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("write-deadlines"));
            sweeper.scheduleWithFixedDelay(this::sweepNow, SWEEP_EVERY_MS, SWEEP_EVERY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** {@code future}, failed with a {@link TimeoutException} if it is not done within the timeout from now. */
    <T> CompletableFuture<T> bounded(CompletableFuture<T> future) {
        if (!future.isDone()) {
            queue.add(new Waiting(System.nanoTime() + timeoutNanos, future));
            if (closed) {
                // no sweep will come: fail it now (close may have emptied the queue before the add), without the
                // lock a closing sweep holds (an event loop calls this); the done entry left behind does no harm
                future.completeExceptionally(new TimeoutException("the store closed"));
            }
        }
        return future;
    }

    /** A sweep that never ends the sweeping: an exception out of a scheduled task would cancel every later one. */
    private void sweepNow() {
        try {
            sweep(System.nanoTime());
        } catch (RuntimeException | Error e) {
            org.jboss.logging.Logger.getLogger(WriteDeadlines.class).warnf(e, "sweeping the write timeouts failed");
        }
    }

    /**
     * Fails the waits whose deadline passed by {@code nowNanos} and forgets the ones done. Under the lock
     * {@link #close} takes: it too takes waits off the queue, and a sweep's peek-then-poll must take the head
     * it looked at.
     */
    synchronized void sweep(long nowNanos) {
        // one batch: the replies of the waits it fails are drained once per connection, not once each
        CompletionBatch.run(() -> {
            for (Waiting head; (head = queue.peek()) != null; queue.poll()) {
                if (!head.future.isDone()) {
                    if (head.deadlineNanos - nowNanos > 0) {
                        return;
                    }
                    head.future.completeExceptionally(new TimeoutException());
                }
            }
        });
    }

    int waiting() {
        return queue.size();
    }

    /** Stops the sweeps; what still waits fails with a timeout now (its outcome unknown, as after a timeout). */
    @Override
    public synchronized void close() {
        closed = true;
        if (sweeper != null) {
            sweeper.shutdown(); // not interrupted: a sweep runs reply code, and the queue is emptied under the lock below
        }
        for (Waiting waiting; (waiting = queue.poll()) != null; ) {
            waiting.future.completeExceptionally(new TimeoutException("the store closed"));
        }
    }
}
