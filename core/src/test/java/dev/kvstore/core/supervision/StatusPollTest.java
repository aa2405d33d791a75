package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.FakeStores;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every answer is kept; a store that cannot persist does not count for the election. */
class StatusPollTest {

    @Test
    void keeps_every_answer_and_counts_only_stores_that_can_persist() {
        FakeStores stores = new FakeStores();
        var kv0 = stores.add("kv-0", 0);
        var kv1 = stores.add("kv-1", 0);
        var kv2 = stores.add("kv-2", 0);
        var unaddressed = new FakeStores.Member("kv-3", false);
        stores.store("kv-1").diskFailure = "fsync failed";
        stores.store("kv-1").epoch = 7;
        stores.store("kv-2").answers = false;

        StatusPoll<FakeStores.Member> poll = StatusPoll.of(List.of(kv0, kv1, kv2, unaddressed), stores, Runnable::run);

        assertThat(poll.all()).containsOnlyKeys(kv0, kv1);
        assertThat(poll.answering()).containsOnlyKeys(kv0);
        assertThat(poll.highestEpoch(3)).isEqualTo(7);
        assertThat(stores.sent("status")).doesNotContain("status kv-3");
    }
}
