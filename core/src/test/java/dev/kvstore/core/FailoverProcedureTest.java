package dev.kvstore.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The failover's steps against stores played in memory: what is recorded, fenced, promoted and repointed. */
class FailoverProcedureTest {

    private FakeStores stores;
    private final List<Long> recorded = new ArrayList<>();
    private FailoverProcedure procedure;

    @BeforeEach
    void threeStores() {
        stores = new FakeStores();
        // direct executor: every call in order on the test's thread
        procedure = new FailoverProcedure(stores, Runnable::run);
    }

    /** kv-0, kv-1, kv-2 with logs ending at these offsets (epoch 1), kv-0 the primary. */
    private List<FakeStores.Member> threeStoresAt(long kv0, long kv1, long kv2) {
        List<FakeStores.Member> members = List.of(stores.add("kv-0", kv0), stores.add("kv-1", kv1), stores.add("kv-2", kv2));
        stores.store("kv-0").role = "primary";
        return members;
    }

    private FailoverProcedure.Outcome failover(List<FakeStores.Member> members, FakeStores.Member lost, boolean gone)
            throws Exception {
        return procedure.run(members, lost, gone, 2, recorded::add, ReplicationMode.SYNC, 1, false);
    }

    @Test
    @DisplayName("enough secondaries answer: the most up-to-date is promoted, the rest follow it, the epoch recorded first")
    void promotes_the_most_up_to_date_secondary() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-0").answers = false;

        var outcome = failover(members, kv0, true);

        assertThat(outcome.promoted()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-2");
        assertThat(outcome.epoch()).isEqualTo(2);
        assertThat(recorded).containsExactly(2L);
        assertThat(stores.calls.indexOf("fence kv-1@2")).isLessThan(stores.calls.indexOf("promote kv-2@2 gone"));
        assertThat(stores.sent("promote")).containsExactly("promote kv-2@2 gone");
        assertThat(stores.sent("follow")).containsExactly("follow kv-1@2 kv-2:7400");
    }

    @Test
    @DisplayName("a store fenced for maintenance counts by its log but is neither promoted nor told to follow")
    void a_store_fenced_for_maintenance_is_neither_promoted_nor_repointed() throws Exception {
        var members = threeStoresAt(12, 11, 10);
        stores.store("kv-0").answers = false;
        stores.store("kv-2").maintenanceFenced = true;

        var outcome = failover(members, members.get(0), true);

        assertThat(outcome.promoted()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-1");
        assertThat(outcome.possiblyLossy()).isFalse();
        assertThat(stores.sent("follow")).isEmpty();
        assertThat(outcome.notRepointed()).isEmpty();
    }

    @Test
    @DisplayName("a store fenced for maintenance ahead of the others holds the failover: nothing promoted")
    void a_store_fenced_for_maintenance_ahead_of_the_others_holds_the_failover() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        stores.store("kv-0").answers = false;
        stores.store("kv-2").maintenanceFenced = true;

        var outcome = failover(members, members.get(0), true);

        assertThat(outcome.promoted()).isFalse();
        assertThat(outcome.reason()).contains("kv-2 is fenced for maintenance");
        assertThat(stores.sent("promote")).isEmpty();
    }

    @Test
    @DisplayName("told to re-elect: a lost primary fenced for maintenance is not promoted again; the others are chosen from")
    void a_lost_primary_fenced_for_maintenance_is_not_reelected() throws Exception {
        var members = threeStoresAt(12, 12, 11);
        var kv0 = members.get(0);
        stores.store("kv-0").maintenanceFenced = true;

        var outcome = procedure.run(members, kv0, false, 2, recorded::add, ReplicationMode.SYNC, 1, false, true);

        assertThat(outcome.promoted()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-1");
        assertThat(outcome.reelected()).isFalse();
    }

    @Test
    @DisplayName("told to re-elect (earlier attempts reached no store): the lost primary answering with the most up-to-date log is kept, fenced first")
    void a_lost_primary_that_answers_with_the_most_up_to_date_log_is_reelected_when_told() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);

        var outcome = procedure.run(members, kv0, false, 2, recorded::add, ReplicationMode.SYNC, 1, false, true);

        assertThat(outcome.promoted()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-0");
        assertThat(outcome.reelected()).isTrue();
        assertThat(recorded).containsExactly(2L);
        assertThat(stores.calls.indexOf("fence kv-0@2")).isLessThan(stores.calls.indexOf("promote kv-0@2 gone"));
        assertThat(stores.sent("follow")).containsExactlyInAnyOrder("follow kv-1@2 kv-0:7400", "follow kv-2@2 kv-0:7400");
    }

    @Test
    @DisplayName("told to re-elect, but no secondary answers: the lost primary's word alone is not enough, it waits")
    void a_lost_primary_is_not_reelected_on_its_own_word() throws Exception {
        // it may have been deposed by a promote the supervisor never heard back from: only the quorum rule tells
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-1").answers = false;
        stores.store("kv-2").answers = false;

        var outcome = procedure.run(members, kv0, false, 2, recorded::add, ReplicationMode.SYNC, 1, false, true);

        assertThat(outcome.promoted()).isFalse();
        assertThat(stores.sent("promote")).isEmpty();
    }

    @Test
    @DisplayName("an attempt whose only answer came from a store that cannot persist still reached a store")
    void a_fence_answered_by_a_store_that_cannot_persist_counts_as_reaching_it() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        stores.store("kv-0").answers = false;
        stores.store("kv-1").diskFailure = "fsync failed";
        stores.store("kv-2").answers = false;

        var outcome = failover(members, members.get(0), false);

        assertThat(outcome.promoted()).isFalse();
        assertThat(outcome.reachedAStore()).isTrue();
    }

    @Test
    @DisplayName("told to re-elect, but a secondary holds more than the lost primary: the policy chooses as usual")
    void a_lost_primary_behind_a_secondary_is_not_reelected() throws Exception {
        var members = threeStoresAt(10, 9, 11);
        var kv0 = members.get(0);

        var outcome = procedure.run(members, kv0, false, 2, recorded::add, ReplicationMode.SYNC, 1, false, true);

        assertThat(outcome.winner()).isEqualTo("kv-2");
    }

    @Test
    @DisplayName("not told to re-elect: a lost primary that answers is replaced by the most up-to-date secondary")
    void a_lost_primary_that_answers_is_replaced_unless_told() throws Exception {
        var members = threeStoresAt(12, 10, 11);

        assertThat(failover(members, members.get(0), false).winner()).isEqualTo("kv-2");
    }

    @Test
    @DisplayName("too few secondaries answer: the lost primary that answers its fence counts among the stores asked")
    void the_lost_primary_counts_when_secondaries_are_too_few() throws Exception {
        var members = threeStoresAt(8, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-2").answers = false;

        var outcome = failover(members, kv0, false);

        // 3 stores, minSyncReplicas 1: two answers needed; kv-1 and the fenced old primary give them
        assertThat(outcome.promoted()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-1");
        assertThat(outcome.reason()).contains("2 of 3 stores answered");
        assertThat(stores.sent("fence")).contains("fence kv-0@2");
        // the lost primary was not seen to exit: its lease is waited out
        assertThat(stores.sent("promote")).containsExactly("promote kv-1@2 lease");
        assertThat(stores.sent("follow")).containsExactlyInAnyOrder("follow kv-0@2 kv-1:7400", "follow kv-2@2 kv-1:7400");
        assertThat(outcome.notRepointed()).containsExactly("kv-2");
    }

    @Test
    @DisplayName("the lost primary, fenced and the most up to date, is promoted again without a lease wait")
    void the_lost_primary_promoted_again_waits_no_lease() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-2").answers = false;

        var outcome = failover(members, kv0, false);

        assertThat(outcome.winner()).isEqualTo("kv-0");
        assertThat(stores.sent("promote")).containsExactly("promote kv-0@2 gone");
    }

    @Test
    @DisplayName("too few answer even with the lost primary: wait; the epoch was recorded (stores were fenced), nothing promoted")
    void a_wait_sends_no_promote() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-0").answers = false;
        stores.store("kv-2").answers = false;

        var outcome = failover(members, kv0, false);

        assertThat(outcome.promoted()).isFalse();
        assertThat(outcome.reason()).contains("only 1 of 2 stores answered");
        assertThat(recorded).containsExactly(2L);
        assertThat(stores.sent("fence")).containsExactlyInAnyOrder("fence kv-0@2", "fence kv-1@2", "fence kv-2@2");
        assertThat(stores.sent("promote")).isEmpty();
        assertThat(stores.sent("follow")).isEmpty();
    }

    @Test
    @DisplayName("too few stores can even be asked: wait without recording an epoch or fencing anyone")
    void a_hopeless_failover_records_no_epoch() throws Exception {
        var kv0 = threeStoresAt(12, 10, 11).get(0);
        // kv-2's pod has no address: it cannot be asked
        var members = List.of(kv0, new FakeStores.Member("kv-1", true), new FakeStores.Member("kv-2", false));

        var outcome = failover(members, kv0, true);

        assertThat(outcome.promoted()).isFalse();
        assertThat(outcome.reason()).contains("only 1 secondaries can be reached");
        assertThat(recorded).isEmpty();
        assertThat(stores.calls).isEmpty();
    }

    @Test
    @DisplayName("first election: every store answers before anyone is promoted, the highest log wins")
    void the_first_election_asks_everyone() throws Exception {
        var members = threeStoresAt(3, 5, 4);
        stores.store("kv-2").answers = false;

        var waiting = procedure.run(members, null, false, 2, recorded::add, ReplicationMode.SYNC, 1, false);
        assertThat(waiting.promoted()).as("any store may have been the last primary: all must answer").isFalse();

        stores.store("kv-2").answers = true;
        var outcome = procedure.run(members, null, false, 2, recorded::add, ReplicationMode.SYNC, 1, false);
        assertThat(outcome.winner()).isEqualTo("kv-1");
        assertThat(stores.sent("promote")).containsExactly("promote kv-1@2 gone");
    }

    @Test
    @DisplayName("first election with minSyncReplicas 0: every store answering is enough, one store alone included")
    void the_first_election_without_sync_replicas_promotes_once_every_store_answered() throws Exception {
        var members = threeStoresAt(3, 5, 4);
        stores.store("kv-0").role = "none";
        stores.store("kv-2").answers = false;

        var waiting = procedure.run(members, null, false, 2, recorded::add, ReplicationMode.SYNC, 0, false);
        assertThat(waiting.promoted()).as("kv-2 unheard may hold the last acknowledged write").isFalse();

        stores.store("kv-2").answers = true;
        var outcome = procedure.run(members, null, false, 2, recorded::add, ReplicationMode.SYNC, 0, false);
        assertThat(outcome.winner()).isEqualTo("kv-1");

        var single = List.of(stores.add("solo-0", 7));
        var alone = procedure.run(single, null, false, 3, recorded::add, ReplicationMode.SYNC, 0, false);
        assertThat(alone.promoted()).as("a one-store cluster: " + alone.reason()).isTrue();
        assertThat(alone.winner()).isEqualTo("solo-0");
    }

    @Test
    @DisplayName("a store whose disk failed answers its fence but is never a candidate")
    void a_store_that_cannot_persist_is_not_promoted() throws Exception {
        var members = threeStoresAt(12, 10, 11);
        var kv0 = members.get(0);
        stores.store("kv-0").answers = false;
        stores.store("kv-2").diskFailure = "fsync failed";

        var outcome = failover(members, kv0, true);

        assertThat(outcome.promoted()).isFalse();
        assertThat(stores.sent("promote")).isEmpty();
    }
}
