package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.FakeStores;
import dev.kvstore.core.ReplicationMode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The resume rule: an attempt that waited is resumed in its epoch; an epoch is reused only when no promote was sent. */
class ElectionStateTest {

    private static FailoverProcedure.Outcome waited() {
        return new FailoverProcedure.Outcome(false, null, 0, "too few", false, Duration.ZERO, List.of(), true);
    }

    private static FailoverProcedure.Outcome waitedReachingNoStore() {
        return new FailoverProcedure.Outcome(false, null, 0, "no secondary answered", false, Duration.ZERO, List.of(), false);
    }

    private static FailoverProcedure.Outcome promoted() {
        return new FailoverProcedure.Outcome(true, "kv-1", 0, "ok", false, Duration.ZERO, List.of(), true);
    }

    @Nested
    class Pure {
        private final ElectionState state = new ElectionState();
        private final List<Long> ledger = new ArrayList<>();

        /** An attempt that took its epoch when stores had seen {@code highestSeen} and recorded it. */
        private void attemptRecorded(long highestSeen) throws IOException {
            state.tracking(ledger::add).record(state.epochFor(highestSeen));
        }

        @Test
        void the_lost_primary_is_reelected_only_after_attempts_of_the_election_reached_no_store() throws IOException {
            state.begin(new ElectionState.Election("kv-0", "primary not answering", false));
            assertThat(state.reelectsLost()).as("never at the first attempt: a failover does not wait for a frozen primary")
                    .isFalse();
            attemptRecorded(4);
            state.concluded(waitedReachingNoStore());
            assertThat(state.reelectsLost()).as("the supervisor reached no store: cut off itself").isTrue();
            state.concluded(waited());
            assertThat(state.reelectsLost()).as("once a store answered, the primary is judged as usual").isFalse();
            state.forget();
            state.begin(new ElectionState.Election("kv-1", "primary not answering", false));
            assertThat(state.reelectsLost()).as("a new election starts afresh").isFalse();
        }

        @Test
        void a_first_attempt_takes_one_above_every_epoch_seen() {
            assertThat(state.epochFor(4)).isEqualTo(5);
        }

        @Test
        void an_attempt_that_recorded_its_epoch_and_waited_is_resumed_in_the_same_epoch() throws IOException {
            state.begin(new ElectionState.Election("kv-0", "primary not answering", false));
            attemptRecorded(4);
            state.concluded(waited());

            assertThat(state.pending()).isEqualTo(new ElectionState.Election("kv-0", "primary not answering", false));
            // the stores it fenced now report its epoch: it is still the one to use
            assertThat(state.epochFor(5)).isEqualTo(5);
            assertThat(ledger).containsExactly(5L);
        }

        @Test
        void an_election_that_fenced_stays_pending_when_a_later_attempt_cannot_even_ask() throws IOException {
            state.begin(new ElectionState.Election("kv-0", "primary not answering", false));
            attemptRecorded(4);
            state.concluded(waited());
            // a later pass finds too few stores answering to ask anyone: it records nothing
            state.epochFor(5);
            state.concluded(waited());

            assertThat(state.pending()).as("the stores are fenced: the election must go on, not start over")
                    .isNotNull();
            assertThat(state.epochFor(5)).isEqualTo(5);
        }

        @Test
        void a_pending_election_keeps_its_first_reason() {
            state.begin(new ElectionState.Election("kv-0", "primary process exited", true));
            state.begin(new ElectionState.Election("kv-0", "primary answers fenced", false));
            assertThat(state.pending().lostIsGone()).isTrue();
        }

        @Test
        void an_epoch_is_not_reused_once_an_attempt_threw_a_promote_may_have_been_sent() throws IOException {
            attemptRecorded(4);
            state.failed();
            assertThat(state.epochFor(5)).isEqualTo(6);
        }

        @Test
        void an_epoch_is_not_reused_after_a_promotion() throws IOException {
            state.begin(new ElectionState.Election("kv-0", "x", false));
            attemptRecorded(4);
            state.concluded(promoted());
            assertThat(state.pending()).isNull();
            assertThat(state.epochFor(5)).isEqualTo(6);
        }

        @Test
        void an_unused_epoch_below_one_a_store_has_seen_is_not_reused() throws IOException {
            attemptRecorded(4);
            state.concluded(waited());
            assertThat(state.epochFor(7)).isEqualTo(8);
        }

        @Test
        void a_wait_decided_before_anyone_was_asked_leaves_nothing_to_resume() {
            state.begin(new ElectionState.Election("kv-0", "primary not answering", false));
            state.epochFor(4);
            state.concluded(waited());
            assertThat(state.pending()).isNull();
            assertThat(state.epochFor(4)).isEqualTo(5);
        }

        @Test
        void a_ledger_that_fails_hands_out_nothing() {
            long epoch = state.epochFor(4);
            assertThatThrownBy(() -> state.tracking(e -> {
                throw new IOException("disk full");
            }).record(epoch)).isInstanceOf(IOException.class);
            assertThat(state.epochFor(4)).isEqualTo(5);
        }
    }

    /** Pass after pass against stores played in memory, through {@link Elector}. */
    @Nested
    class Resumed {
        private final FakeStores stores = new FakeStores();
        private final ElectionState state = new ElectionState();
        private final Elector elector = new Elector(new FailoverProcedure(stores, Runnable::run));
        private final List<Long> ledger = new ArrayList<>();
        private final FakeStores.Member kv0 = stores.add("kv-0", 12);
        private final FakeStores.Member kv1 = stores.add("kv-1", 10);
        private final FakeStores.Member kv2 = stores.add("kv-2", 11);

        private FailoverProcedure.Outcome pass() throws IOException {
            long seen = stores.stores.values().stream().filter(s -> s.answers).mapToLong(s -> s.epoch).max().orElse(0);
            return elector.attempt(state, List.of(kv0, kv1, kv2), kv0, false, Math.max(seen, ledger.isEmpty() ? 1
                    : ledger.get(ledger.size() - 1)), ledger::add, ReplicationMode.SYNC, 1, false);
        }

        @Test
        @DisplayName("waiting burns no epochs, and whichever store comes back first ends the wait")
        void resumed_until_it_promotes_whatever_comes_back_first() throws IOException {
            stores.store("kv-0").role = "primary";
            stores.store("kv-0").answers = false;
            stores.store("kv-2").answers = false;
            state.begin(new ElectionState.Election("kv-0", "primary not answering", false));

            assertThat(pass().promoted()).isFalse();
            assertThat(pass().promoted()).isFalse();
            assertThat(ledger).containsExactly(2L, 2L);

            // the frozen old primary wakes first: it processes its fence and counts among the stores asked
            stores.store("kv-0").answers = true;
            var outcome = pass();

            assertThat(outcome.promoted()).isTrue();
            assertThat(outcome.epoch()).isEqualTo(2);
            assertThat(outcome.winner()).isEqualTo("kv-0");
            assertThat(state.pending()).isNull();
        }

        @Test
        @DisplayName("a promote that failed on its way may still arrive: the next attempt takes a new epoch")
        void a_failed_promote_burns_its_epoch() throws IOException {
            stores.store("kv-0").answers = false;
            stores.calls.clear();
            FakeStores failingPromote = new FakeStores() {
                @Override
                public dev.kvstore.core.admin.NodeStatus promote(String url, long epoch, boolean gone) throws IOException {
                    throw new IOException("timed out");
                }
            };
            failingPromote.stores.putAll(stores.stores);
            Elector failing = new Elector(new FailoverProcedure(failingPromote, Runnable::run));
            assertThatThrownBy(() -> failing.attempt(state, List.of(kv0, kv1, kv2), kv0, false, 1, ledger::add,
                    ReplicationMode.SYNC, 1, false)).isInstanceOf(IOException.class);

            var outcome = pass();
            assertThat(ledger).containsExactly(2L, 3L);
            assertThat(outcome.epoch()).isEqualTo(3);
        }
    }
}
