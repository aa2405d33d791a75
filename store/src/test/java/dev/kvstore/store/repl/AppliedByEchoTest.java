package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AppliedByEchoTest {

    private final AppliedByEcho applied = new AppliedByEcho();

    @Test
    void an_echo_proves_the_commit_point_of_every_frame_sent_up_to_it_and_no_later_one() {
        applied.sent(100, 5, 10);
        applied.sent(200, 8, 12);
        applied.sent(300, 12, 12);
        assertThat(applied.echoed(99)).isZero();
        assertThat(applied.echoed(200)).isEqualTo(8);
        assertThat(applied.echoed(250)).isEqualTo(8);
        assertThat(applied.echoed(300)).isEqualTo(12);
    }

    @Test
    void a_commit_point_past_the_entries_sent_counts_only_as_far_as_those_entries() {
        applied.sent(100, 50, 20); // a lagging secondary hears of a commit beyond what it has
        assertThat(applied.echoed(100)).isEqualTo(20);
    }

    @Test
    void an_older_echo_never_lowers_the_figure() {
        applied.sent(100, 5, 5);
        assertThat(applied.echoed(100)).isEqualTo(5);
        assertThat(applied.echoed(50)).isEqualTo(5);
    }

    @Test
    void past_its_memory_the_figure_lags_and_never_leads() {
        for (int i = 1; i <= AppliedByEcho.MAX_REMEMBERED + 10; i++) {
            applied.sent(i, i, i);
        }
        long last = AppliedByEcho.MAX_REMEMBERED + 10;
        assertThat(applied.echoed(last)).isEqualTo(AppliedByEcho.MAX_REMEMBERED);
        applied.sent(last + 1, last + 1, last + 1);
        assertThat(applied.echoed(last + 1)).isEqualTo(last + 1);
    }

    @Test
    void an_echo_that_is_not_of_a_frame_of_this_session_proves_nothing() {
        applied.sent(1_000, 5, 5);
        applied.sent(2_000, 9, 9);
        assertThat(applied.ours(0)).as("a new link's first acknowledgement").isFalse();
        assertThat(applied.ours(999)).as("an earlier session's frame").isFalse();
        assertThat(applied.ours(2_001)).as("a time this session never sent").isFalse();
        assertThat(applied.echoed(5_000)).isZero();
        assertThat(applied.ours(2_000)).isTrue();
        assertThat(applied.echoed(2_000)).isEqualTo(9);
    }

    @Test
    void stamps_are_strictly_increasing_so_an_echo_names_one_frame() {
        long previous = applied.stamp();
        applied.sent(previous, 1, 1);
        for (int i = 0; i < 1000; i++) {
            long next = applied.stamp();
            assertThat(next - previous).isPositive();
            applied.sent(next, 1, 1);
            previous = next;
        }
    }
}
