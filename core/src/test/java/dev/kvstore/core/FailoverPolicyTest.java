package dev.kvstore.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class FailoverPolicyTest {

    /**
     * A random cluster where a write at {@code acked} was acknowledged: the primary and exactly the
     * minSyncReplicas secondaries that held it durably; every other secondary may be anywhere.
     */
    private static List<ReplicaCandidate> clusterAfterAck(int size, int minSync, long acked, long seed) {
        Random random = new Random(seed);
        List<ReplicaCandidate> secondaries = new ArrayList<>();
        for (int i = 0; i < size - 1; i++) {
            boolean holdsAck = i < minSync;
            long offset = holdsAck ? acked + random.nextInt(3) : Math.max(0, acked - 3 + random.nextInt(6));
            boolean reachable = random.nextInt(3) > 0;
            secondaries.add(new ReplicaCandidate("kv-" + (i + 1), reachable, new Position(1, offset), reachable));
        }
        java.util.Collections.shuffle(secondaries, random);
        return secondaries;
    }

    @Property(tries = 2000)
    void never_promotes_without_every_acknowledged_write_unless_forced(
            @ForAll @IntRange(min = 2, max = 7) int size, @ForAll @IntRange(min = 0, max = 6) int minSyncWanted,
            @ForAll @LongRange(min = 0, max = 100) long acked, @ForAll long seed) {
        int minSync = Math.min(minSyncWanted, size - 1);
        List<ReplicaCandidate> secondaries = clusterAfterAck(size, minSync, acked, seed);

        FailoverDecision decision = FailoverPolicy.decide(size, minSync, ReplicationMode.SYNC, secondaries, false);

        if (decision instanceof FailoverDecision.Promote promote) {
            assertThat(promote.possiblyLossy()).isFalse();
            assertThat(promote.candidate().reachable()).isTrue();
            assertThat(promote.candidate().position().offset())
                    .as("promoted %s but the acknowledged write is at %d", promote, acked)
                    .isGreaterThanOrEqualTo(acked);
        }
    }

    @Property(tries = 2000)
    void always_promotes_when_enough_secondaries_answer(
            @ForAll @IntRange(min = 2, max = 7) int size, @ForAll @IntRange(min = 0, max = 6) int minSyncWanted,
            @ForAll @LongRange(min = 0, max = 100) long acked, @ForAll long seed) {
        int minSync = Math.min(minSyncWanted, size - 1);
        List<ReplicaCandidate> secondaries = clusterAfterAck(size, minSync, acked, seed);
        long answered = secondaries.stream().filter(ReplicaCandidate::reachable).count();

        FailoverDecision decision = FailoverPolicy.decide(size, minSync, ReplicationMode.SYNC, secondaries, false);

        if (answered >= FailoverPolicy.requiredAnswers(size, minSync)) {
            assertThat(decision).isInstanceOf(FailoverDecision.Promote.class);
        } else {
            assertThat(decision).isInstanceOf(FailoverDecision.Wait.class);
        }
    }

    /**
     * The old primary, once fenced, acknowledges nothing more and its log holds every write it
     * acknowledged: when it answers its fence it counts among the stores asked (N - W + 1 of all N,
     * not only of the secondaries), and the choice still holds every acknowledged write.
     */
    @Property(tries = 2000)
    void a_fenced_old_primary_that_answers_counts_among_the_stores_asked(
            @ForAll @IntRange(min = 2, max = 7) int size, @ForAll @IntRange(min = 0, max = 6) int minSyncWanted,
            @ForAll @LongRange(min = 0, max = 100) long acked, @ForAll long seed, @ForAll boolean oldPrimaryAnswers,
            @ForAll @IntRange(min = 0, max = 3) int unacknowledgedSuffix) {
        int minSync = Math.min(minSyncWanted, size - 1);
        List<ReplicaCandidate> stores = new ArrayList<>(clusterAfterAck(size, minSync, acked, seed));
        // the old primary holds the acknowledged write and maybe a suffix nobody acknowledged
        stores.add(new ReplicaCandidate("kv-0", oldPrimaryAnswers, new Position(1, acked + unacknowledgedSuffix),
                oldPrimaryAnswers));
        long answered = stores.stream().filter(ReplicaCandidate::reachable).count();

        FailoverDecision decision = FailoverPolicy.decide(size, minSync, ReplicationMode.SYNC, stores, false);

        if (answered >= FailoverPolicy.requiredAnswers(size, minSync)) {
            assertThat(decision).isInstanceOf(FailoverDecision.Promote.class);
        } else {
            assertThat(decision).isInstanceOf(FailoverDecision.Wait.class);
        }
        if (decision instanceof FailoverDecision.Promote promote) {
            assertThat(promote.candidate().position().offset())
                    .as("promoted %s but the acknowledged write is at %d", promote, acked)
                    .isGreaterThanOrEqualTo(acked);
        }
    }

    @Property(tries = 500)
    void forced_promotion_picks_the_most_up_to_date_answering_secondary_and_says_it_may_lose_writes(
            @ForAll @IntRange(min = 3, max = 7) int size, @ForAll long seed) {
        List<ReplicaCandidate> secondaries = clusterAfterAck(size, 1, 10, seed);
        FailoverDecision decision = FailoverPolicy.decide(size, 1, ReplicationMode.SYNC, secondaries, true);
        Position best = secondaries.stream().filter(ReplicaCandidate::reachable)
                .map(ReplicaCandidate::position).max(Position::compareTo).orElse(null);
        if (best == null) {
            assertThat(decision).isInstanceOf(FailoverDecision.Wait.class);
        } else {
            assertThat(decision).isInstanceOf(FailoverDecision.Promote.class);
            assertThat(((FailoverDecision.Promote) decision).candidate().position()).isEqualTo(best);
        }
    }

    /**
     * The check made before a new epoch is handed out agrees with the decision made after asking:
     * it never gives up on a failover that would have succeeded had every reachable secondary
     * answered, and never lets one go ahead that could not.
     */
    @Property(tries = 2000)
    void a_failover_is_given_up_before_asking_exactly_when_asking_could_not_promote(
            @ForAll @IntRange(min = 2, max = 7) int size, @ForAll @IntRange(min = 0, max = 6) int minSyncWanted,
            @ForAll @IntRange(min = 0, max = 6) int askableWanted, @ForAll boolean async, @ForAll boolean force) {
        int minSync = Math.min(minSyncWanted, size - 1);
        int askable = Math.min(askableWanted, size - 1);
        ReplicationMode mode = async ? ReplicationMode.ASYNC : ReplicationMode.SYNC;
        List<ReplicaCandidate> secondaries = new ArrayList<>();
        for (int i = 0; i < size - 1; i++) {
            secondaries.add(i < askable ? ReplicaCandidate.answered("kv-" + (i + 1), new Position(1, i))
                    : ReplicaCandidate.unreachable("kv-" + (i + 1)));
        }

        String hopeless = FailoverPolicy.cannotSucceed(size, minSync, mode, askable, force);
        FailoverDecision decision = FailoverPolicy.decide(size, minSync, mode, secondaries, force);

        if (hopeless == null) {
            assertThat(decision).isInstanceOf(FailoverDecision.Promote.class);
        } else {
            assertThat(decision).as(hopeless).isInstanceOf(FailoverDecision.Wait.class);
        }
    }

    @Example
    void two_pods_with_one_sync_replica_need_only_that_secondary() {
        assertThat(FailoverPolicy.requiredAnswers(2, 1)).isEqualTo(1);
    }

    @Example
    void three_pods_with_one_sync_replica_need_both_secondaries() {
        assertThat(FailoverPolicy.requiredAnswers(3, 1)).isEqualTo(2);
        FailoverDecision decision = FailoverPolicy.decide(3, 1, ReplicationMode.SYNC, List.of(
                ReplicaCandidate.answered("kv-1", new Position(3, 40)),
                ReplicaCandidate.unreachable("kv-2")), false);
        assertThat(decision).isInstanceOf(FailoverDecision.Wait.class);
        assertThat(((FailoverDecision.Wait) decision).reason()).contains("only 1 of 2 stores answered");
    }

    /**
     * Stores fenced for maintenance answer with their logs but are never promoted; and a choice that would leave
     * behind writes only a fenced store holds waits, since those may have been acknowledged.
     */
    @Property(tries = 2000)
    void a_store_fenced_for_maintenance_is_never_promoted_and_never_costs_an_acknowledged_write(
            @ForAll @IntRange(min = 2, max = 7) int size, @ForAll @IntRange(min = 0, max = 6) int minSyncWanted,
            @ForAll @LongRange(min = 0, max = 100) long acked, @ForAll long seed) {
        int minSync = Math.min(minSyncWanted, size - 1);
        Random random = new Random(seed ^ 0x5eed);
        List<ReplicaCandidate> secondaries = clusterAfterAck(size, minSync, acked, seed).stream()
                .map(c -> c.reachable() && random.nextBoolean()
                        ? ReplicaCandidate.fencedForMaintenance(c.name(), c.position()) : c)
                .toList();

        FailoverDecision decision = FailoverPolicy.decide(size, minSync, ReplicationMode.SYNC, secondaries, false);

        if (decision instanceof FailoverDecision.Promote promote) {
            assertThat(promote.candidate().promotable()).as("promoted %s", promote).isTrue();
            assertThat(promote.possiblyLossy()).isFalse();
            assertThat(promote.candidate().position().offset())
                    .as("promoted %s but the acknowledged write is at %d", promote, acked)
                    .isGreaterThanOrEqualTo(acked);
        }
    }

    @Example
    void a_store_fenced_for_maintenance_ahead_of_the_rest_holds_the_failover_until_unfenced_or_forced() {
        List<ReplicaCandidate> secondaries = List.of(
                ReplicaCandidate.fencedForMaintenance("kv-1", new Position(1, 50)),
                ReplicaCandidate.answered("kv-2", new Position(1, 40)));

        FailoverDecision waits = FailoverPolicy.decide(3, 1, ReplicationMode.SYNC, secondaries, false);
        FailoverDecision forced = FailoverPolicy.decide(3, 1, ReplicationMode.SYNC, secondaries, true);

        assertThat(waits).isInstanceOfSatisfying(FailoverDecision.Wait.class, w -> assertThat(w.reason())
                .contains("kv-1 is fenced for maintenance at").contains("unfence it"));
        assertThat(forced).isInstanceOfSatisfying(FailoverDecision.Promote.class, p -> {
            assertThat(p.candidate().name()).isEqualTo("kv-2");
            assertThat(p.possiblyLossy()).isTrue();
        });
    }

    @Example
    void a_store_fenced_for_maintenance_behind_the_rest_counts_among_the_answers_and_another_is_promoted() {
        // three pods, one sync replica: two answers are needed; the fenced store is one of them
        FailoverDecision decision = FailoverPolicy.decide(3, 1, ReplicationMode.SYNC, List.of(
                ReplicaCandidate.fencedForMaintenance("kv-1", new Position(1, 30)),
                ReplicaCandidate.answered("kv-2", new Position(1, 40))), false);

        assertThat(decision).isInstanceOfSatisfying(FailoverDecision.Promote.class, p -> {
            assertThat(p.candidate().name()).isEqualTo("kv-2");
            assertThat(p.possiblyLossy()).isFalse();
        });
    }

    @Example
    void only_stores_fenced_for_maintenance_answering_promotes_no_one_even_when_forced() {
        FailoverDecision decision = FailoverPolicy.decide(2, 1, ReplicationMode.SYNC, List.of(
                ReplicaCandidate.fencedForMaintenance("kv-1", new Position(1, 30))), true);

        assertThat(decision).isInstanceOfSatisfying(FailoverDecision.Wait.class,
                w -> assertThat(w.reason()).contains("only stores fenced for maintenance answered (kv-1)"));
    }

    @Example
    void a_higher_epoch_beats_a_longer_log() {
        FailoverDecision decision = FailoverPolicy.decide(3, 1, ReplicationMode.SYNC, List.of(
                ReplicaCandidate.answered("kv-1", new Position(2, 10)),
                ReplicaCandidate.answered("kv-2", new Position(3, 5))), false);
        assertThat(((FailoverDecision.Promote) decision).candidate().name()).isEqualTo("kv-2");
    }

    @Example
    void asynchronous_mode_promotes_any_answering_secondary_but_flags_possible_loss() {
        FailoverDecision decision = FailoverPolicy.decide(3, 1, ReplicationMode.ASYNC, List.of(
                ReplicaCandidate.answered("kv-1", new Position(2, 10)),
                ReplicaCandidate.unreachable("kv-2")), false);
        assertThat(decision).isInstanceOfSatisfying(FailoverDecision.Promote.class,
                p -> assertThat(p.possiblyLossy()).isTrue());
    }

    @Property(tries = 500)
    void a_first_election_asks_at_least_the_quorum_and_at_most_every_store(@ForAll @IntRange(min = 1, max = 9) int stores,
                                                                             @ForAll @IntRange(min = 0, max = 8) int minSync) {
        int sync = Math.min(minSync, stores - 1);
        int required = FailoverPolicy.requiredAnswers(FailoverPolicy.firstElectionSize(stores, sync), sync);
        // any store may have been the last primary: at least the answers a failover of a known primary needs
        assertThat(required).isGreaterThanOrEqualTo(FailoverPolicy.requiredAnswers(stores, sync));
        // and never more than there are stores to answer: else no first primary, ever
        assertThat(required).isLessThanOrEqualTo(stores);
    }
}
