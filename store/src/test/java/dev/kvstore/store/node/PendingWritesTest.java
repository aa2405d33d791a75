package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingWritesTest {

    private final AtomicLong appliedOffset = new AtomicLong();
    private final PendingWrites pending = new PendingWrites(appliedOffset::get);

    @Test
    void an_applied_entry_takes_away_the_pending_values_it_set_and_no_newer_ones() {
        pending.appended(1, "a", "1".getBytes(), 0);
        pending.appended(2, "b", null, 0);
        pending.appended(3, "a", "3".getBytes(), 9_000L);

        pending.applied(LogEntry.put(1, 1, "a", "1".getBytes()));
        assertThat(pending.get("a").offset()).isEqualTo(3); // written again since: still pending
        assertThat(pending.get("a").expiresAtMillis()).isEqualTo(9_000L);

        pending.applied(LogEntry.delete(1, 2, "b"));
        assertThat(pending.get("b")).isNull();

        pending.applied(LogEntry.batch(1, 3, List.of(Mutation.put("a", "3".getBytes(), 9_000L), Mutation.delete("c"))));
        assertThat(pending.get("a")).isNull();
        assertThat(pending.size()).isZero();
    }

    @Test
    void a_delete_is_pending_as_no_value_and_a_noop_takes_nothing_away() {
        pending.appended(5, "gone", null, 0);
        pending.applied(LogEntry.noop(1, 5));
        assertThat(pending.get("gone").value()).isNull();
        assertThat(pending.get("gone").offset()).isEqualTo(5);
    }

    @Test
    void a_value_appended_after_its_entry_was_already_applied_is_not_left_pending() {
        appliedOffset.set(7); // the entry at 7 committed and was applied before its pending value went in
        pending.appended(7, "late", "x".getBytes(), 0);
        assertThat(pending.get("late")).isNull();
        pending.appended(8, "next", "y".getBytes(), 0);
        assertThat(pending.get("next").offset()).isEqualTo(8);
    }
}
