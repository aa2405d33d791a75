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
}
