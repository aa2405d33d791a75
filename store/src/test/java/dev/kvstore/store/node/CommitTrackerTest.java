package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.state.KvState;
import dev.kvstore.store.state.MemoryEstimate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class CommitTrackerTest {

    /** Asynchronous: the primary's own durable offset is the commit point, from the term's first entry at 1. */
    private final List<Long> applied = new ArrayList<>();
    /** Waits that must not have been told when an apply runs (the apply comes first). */
    private final List<CompletableFuture<Long>> notToldYet = new ArrayList<>();
    private final List<String> toldTooEarly = new ArrayList<>();
    /** Run inside the next apply, as another thread's write would land during it. */
    private Runnable duringApply = () -> { };
    private final CommitTracker tracker = new CommitTracker(ReplicationMode.ASYNC, 0, 1, 1_000_000L, commit -> {
        applied.add(commit);
        notToldYet.stream().filter(CompletableFuture::isDone).forEach(f -> toldTooEarly.add(f + " at the apply of " + commit));
        notToldYet.clear();
        Runnable now = duringApply;
        duringApply = () -> { };
        now.run();
    });

    @Test
    void each_wait_completes_once_its_offset_commits_whatever_order_the_waits_came_in() {
        CompletableFuture<Long> five = tracker.awaitCommit(5);
        CompletableFuture<Long> three = tracker.awaitCommit(3);
        CompletableFuture<Long> seven = tracker.awaitCommit(7);
        CompletableFuture<Long> threeAgain = tracker.awaitCommit(3);
        CompletableFuture<Long> four = tracker.awaitCommit(4);

        notToldYet.addAll(List.of(three, threeAgain));
        tracker.localDurable(3);
        assertThat(three).isCompletedWithValue(3L);
        assertThat(threeAgain).isCompletedWithValue(3L);
        assertThat(List.of(four, five, seven)).noneMatch(CompletableFuture::isDone);

        notToldYet.addAll(List.of(four, five));
        tracker.localDurable(6);
        assertThat(four).isCompletedWithValue(6L);
        assertThat(five).isCompletedWithValue(6L);
        assertThat(seven).isNotDone();
        assertThat(tracker.awaitCommit(2)).isCompletedWithValue(2L); // already committed: at once
        assertThat(applied).containsExactly(3L, 6L);
        assertThat(toldTooEarly).isEmpty(); // each apply ran before its waits heard

        IllegalStateException ended = new IllegalStateException("term ended");
        tracker.failAll(ended);
        assertThatThrownBy(seven::join).hasCause(ended);
        assertThatThrownBy(() -> tracker.awaitCommit(8).join()).hasCause(ended); // registered after: failed at once
        assertThat(tracker.awaitCommit(6)).isCompletedWithValue(6L); // committed before the end: still committed
    }

    @Test
    void a_wait_that_comes_while_its_commit_is_being_applied_is_told_after_the_apply_not_before() {
        List<CompletableFuture<Long>> cameDuring = new ArrayList<>();
        List<Boolean> toldDuringTheApply = new ArrayList<>();
        duringApply = () -> {
            CompletableFuture<Long> wait = tracker.awaitCommit(2); // the point is raised, its apply not done
            cameDuring.add(wait);
            toldDuringTheApply.add(wait.isDone());
        };
        tracker.localDurable(2);
        assertThat(toldDuringTheApply).containsExactly(false);
        assertThat(cameDuring.get(0)).isCompletedWithValue(2L); // once the apply returned
        assertThat(tracker.awaitCommit(2)).isCompletedWithValue(2L); // and at once from then on
    }

    @Test
    void reads_wait_until_the_terms_first_commit_is_applied_not_only_committed() {
        List<Boolean> leaseDuringTheApply = new ArrayList<>();
        duringApply = () -> leaseDuringTheApply.add(tracker.holdsReadLease(System.nanoTime()));
        assertThat(tracker.holdsReadLease(System.nanoTime())).isFalse();
        tracker.localDurable(1); // the term's first entry: a new primary applies its backlog with it
        assertThat(leaseDuringTheApply).containsExactly(false);
        assertThat(tracker.holdsReadLease(System.nanoTime())).isTrue();
        assertThat(tracker.termCommitted()).isTrue();
    }

    @Test
    void a_term_that_ends_while_a_commit_is_applied_fails_none_of_the_waits_that_committed() {
        IllegalStateException ended = new IllegalStateException("term ended");
        CompletableFuture<Long> above = tracker.awaitCommit(9);
        List<CompletableFuture<Long>> cameDuring = new ArrayList<>();
        duringApply = () -> {
            cameDuring.add(tracker.awaitCommit(3)); // committed, not yet applied
            tracker.failAll(ended);
            cameDuring.add(tracker.awaitCommit(2)); // after the end, still committed
            cameDuring.add(tracker.awaitCommit(4)); // after the end, never committed
        };
        tracker.localDurable(3);
        assertThat(cameDuring.get(0)).isCompletedWithValue(3L);
        assertThat(cameDuring.get(1)).isCompletedWithValue(3L);
        assertThat(cameDuring.get(2)).isCompletedExceptionally();
        assertThatThrownBy(cameDuring.get(2)::join).hasCause(ended);
        assertThat(above).isCompletedExceptionally();
        assertThatThrownBy(above::join).hasCause(ended);
    }

    @Test
    void an_apply_that_fails_fails_the_waits_it_would_have_told_instead_of_leaving_them() {
        CompletableFuture<Long> two = tracker.awaitCommit(2);
        IllegalStateException unreadable = new IllegalStateException("log entry unreadable");
        duringApply = () -> {
            throw unreadable;
        };
        assertThatThrownBy(() -> tracker.localDurable(2)).isSameAs(unreadable);
        assertThat(two).isCompletedExceptionally();
        assertThatThrownBy(two::join).hasCause(unreadable);
    }

    @Test
    void after_the_end_no_wait_is_left_untold_when_a_higher_commits_apply_failed_beside_a_lower_ones() {
        IllegalStateException ended = new IllegalStateException("term ended");
        IllegalStateException unreadable = new IllegalStateException("log entry unreadable");
        List<CompletableFuture<Long>> cameDuring = new ArrayList<>();
        duringApply = () -> { // the apply of 3 under way, as on the flusher while an acknowledgement comes in
            duringApply = () -> {
                throw unreadable;
            };
            assertThatThrownBy(() -> tracker.localDurable(6)).isSameAs(unreadable); // commit 6, its apply failed
            tracker.failAll(ended);
            cameDuring.add(tracker.awaitCommit(5)); // committed, kept for an apply: but only that of 3 is left
        };
        tracker.localDurable(3);
        assertThat(cameDuring.get(0)).isCompletedExceptionally();
        assertThatThrownBy(cameDuring.get(0)::join).hasCause(ended);
    }

    @Test
    void a_clients_wait_gives_its_memory_back_when_its_entry_commits_or_fails_never_when_the_client_stops_waiting() {
        byte[] value = new byte[100];
        long oneKey = MemoryEstimate.of("k", value);
        MemoryReservations memory = new MemoryReservations(new KvState(), oneKey);
        List<Long> latencies = new ArrayList<>();

        long reserved = memory.reserve(LogEntry.put(0, 0, "k", value));
        ClientWait timedOut = new ClientWait(4, 1, reserved, System.nanoTime(), memory, latencies::add);
        tracker.await(timedOut);
        timedOut.completeExceptionally(new TimeoutException()); // what the write deadline does
        assertThatThrownBy(() -> memory.reserve(LogEntry.put(0, 0, "o", value)))
                .isInstanceOf(NodeExceptions.MemoryFull.class); // the entry is still in the log and may commit
        tracker.localDurable(1);
        assertThat(latencies).hasSize(1).allMatch(nanos -> nanos >= 0);
        long again = memory.reserve(LogEntry.put(0, 0, "o", value)); // released by the commit

        ClientWait failing = new ClientWait(4, 2, again, System.nanoTime(), memory, latencies::add);
        tracker.await(failing);
        tracker.failAll(new IllegalStateException("deposed"));
        assertThat(failing).isCompletedExceptionally();
        assertThat(memory.reserve(LogEntry.put(0, 0, "t", value))).isPositive(); // released by the failure
        assertThat(latencies).hasSize(1);
    }

    @Test
    void a_clients_wait_completes_with_its_entrys_term_and_offset() {
        MemoryReservations memory = new MemoryReservations(new KvState(), 1 << 20);
        ClientWait wait = new ClientWait(4, 2, 0, System.nanoTime(), memory, nanos -> { });
        tracker.await(wait);
        tracker.localDurable(5);
        assertThat(wait.join()).isEqualTo(new WriteResult(4, 2));
    }
}
