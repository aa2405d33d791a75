package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class WriteDeadlinesTest {

    private static final long HOUR_NANOS = TimeUnit.HOURS.toNanos(1);

    @Test
    void a_wait_within_its_time_is_left_alone_and_one_past_it_fails_with_a_timeout() {
        WriteDeadlines deadlines = new WriteDeadlines(TimeUnit.HOURS.toMillis(1));
        CompletableFuture<Long> wait = deadlines.bounded(new CompletableFuture<>());
        deadlines.sweep(System.nanoTime());
        assertThat(wait).isNotDone();
        deadlines.sweep(System.nanoTime() + HOUR_NANOS + 1);
        assertThatThrownBy(wait::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
        assertThat(deadlines.waiting()).isZero();
    }

    @Test
    void a_wait_done_in_time_keeps_its_result_and_is_forgotten() {
        WriteDeadlines deadlines = new WriteDeadlines(TimeUnit.HOURS.toMillis(1));
        CompletableFuture<Long> wait = deadlines.bounded(new CompletableFuture<>());
        CompletableFuture<Long> later = deadlines.bounded(new CompletableFuture<>());
        wait.complete(7L);
        deadlines.sweep(System.nanoTime());
        assertThat(deadlines.waiting()).as("the done one goes, the pending one stays").isEqualTo(1);
        deadlines.sweep(System.nanoTime() + HOUR_NANOS + 1);
        assertThat(wait.join()).isEqualTo(7L);
        assertThat(later).isCompletedExceptionally();
    }

    @Test
    void a_wait_already_done_is_not_queued() {
        WriteDeadlines deadlines = new WriteDeadlines(1);
        deadlines.bounded(CompletableFuture.completedFuture(1L));
        assertThat(deadlines.waiting()).isZero();
    }

    @Test
    void closing_fails_what_still_waits_and_what_comes_after() {
        WriteDeadlines deadlines = new WriteDeadlines(TimeUnit.HOURS.toMillis(1));
        CompletableFuture<Long> wait = deadlines.bounded(new CompletableFuture<>());
        deadlines.close();
        assertThat(wait).isCompletedExceptionally();
        CompletableFuture<Long> after = deadlines.bounded(new CompletableFuture<>());
        assertThatThrownBy(() -> after.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void the_sweeps_fail_a_write_that_never_commits_on_their_own() throws Exception {
        try (WriteDeadlines deadlines = new WriteDeadlines(50)) {
            deadlines.start();
            CompletableFuture<Long> wait = deadlines.bounded(new CompletableFuture<>());
            assertThatThrownBy(() -> wait.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
        }
    }

    /**
     * A sweep looks at the head, then takes it off; close() takes waits off too. Staged here: the sweep has looked
     * at the first wait when close() takes it; the sweep must not then take the second one off unfailed.
     */
    @Test
    void a_close_during_a_sweep_leaves_no_wait_unfailed() throws Exception {
        WriteDeadlines deadlines = new WriteDeadlines(1);
        java.util.concurrent.CountDownLatch sweepLooked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closeTookFirst = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch sweepDone = new java.util.concurrent.CountDownLatch(1);
        Thread[] sweeper = new Thread[1];
        CompletableFuture<Long> first = new CompletableFuture<>() {
            @Override
            public boolean isDone() {
                if (Thread.currentThread() == sweeper[0]) {
                    sweepLooked.countDown();
                    await(closeTookFirst); // with the lock, close() cannot take it: this wait just runs out
                }
                return super.isDone();
            }

            @Override
            public boolean completeExceptionally(Throwable ex) {
                if (Thread.currentThread() != sweeper[0]) {
                    closeTookFirst.countDown();
                    await(sweepDone);
                }
                return super.completeExceptionally(ex);
            }
        };
        deadlines.bounded(first);
        CompletableFuture<Long> second = deadlines.bounded(new CompletableFuture<>());
        sweeper[0] = new Thread(() -> {
            deadlines.sweep(System.nanoTime() + HOUR_NANOS);
            sweepDone.countDown();
        });
        sweeper[0].start();
        await(sweepLooked);
        Thread closer = new Thread(deadlines::close);
        closer.start();
        sweeper[0].join(10_000);
        closer.join(10_000);
        assertThat(first).isCompletedExceptionally();
        assertThat(second).as("the second wait, failed by the sweep or by close").isCompletedExceptionally();
    }

    @Test
    void the_sweeps_go_on_after_one_of_them_failed() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Long> troubled = new CompletableFuture<>() {
            @Override
            public boolean isDone() {
                if (Thread.currentThread().getName().equals("write-deadlines") && thrown.compareAndSet(false, true)) {
                    throw new IllegalStateException("a sweep fails once");
                }
                return super.isDone();
            }
        };
        try (WriteDeadlines deadlines = new WriteDeadlines(50)) {
            deadlines.bounded(troubled);
            CompletableFuture<Long> wait = deadlines.bounded(new CompletableFuture<>());
            deadlines.start();
            assertThatThrownBy(() -> wait.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            assertThat(thrown).isTrue();
        }
    }

    @Test
    void a_wait_after_close_is_failed_without_taking_the_lock_a_sweep_or_close_holds() throws Exception {
        WriteDeadlines deadlines = new WriteDeadlines(TimeUnit.HOURS.toMillis(1));
        deadlines.close();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (deadlines) {
                held.countDown();
                await(release);
            }
        });
        holder.start();
        held.await();
        try {
            CompletableFuture<CompletableFuture<Long>> bounded = CompletableFuture.supplyAsync(
                    () -> deadlines.bounded(new CompletableFuture<>()));
            assertThat(bounded.get(200, TimeUnit.MILLISECONDS)).isCompletedExceptionally();
        } finally {
            release.countDown();
            holder.join();
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
