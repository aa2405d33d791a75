package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.FakeStores;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A planned switchover: pause, catch up, fence all at a new epoch, promote the most up to date (ties to the target). */
class SwitchoverTest {

    private final FakeStores stores = new FakeStores();
    private final List<Long> recorded = new ArrayList<>();
    private final Switchover switchover = new Switchover(stores, Runnable::run, Duration.ofMillis(100));
    private FakeStores.Member kv0;
    private FakeStores.Member kv1;
    private FakeStores.Member kv2;

    @BeforeEach
    void cluster() {
        kv0 = stores.add("kv-0", 20);
        kv1 = stores.add("kv-1", 20);
        kv2 = stores.add("kv-2", 20);
        stores.store("kv-0").role = "primary";
    }

    @Test
    void a_caught_up_target_is_promoted_on_a_tie_and_the_rest_follow_it() throws IOException {
        var outcome = switchover.run(List.of(kv0, kv1, kv2), kv0, kv2, 1, recorded::add);

        assertThat(outcome.switched()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-2");
        assertThat(recorded).containsExactly(2L);
        assertThat(stores.sent("pause")).containsExactly("pause kv-0 5000");
        assertThat(stores.sent("fence")).containsExactly("fence kv-0@2", "fence kv-1@2", "fence kv-2@2");
        assertThat(stores.sent("promote")).containsExactly("promote kv-2@2 gone");
        assertThat(stores.sent("follow")).containsExactly("follow kv-0@2 kv-2:7400", "follow kv-1@2 kv-2:7400");
    }

    @Test
    void a_target_that_does_not_catch_up_in_time_resumes_writes_and_changes_nothing() throws IOException {
        stores.store("kv-2").lastOffset = 15;

        var outcome = switchover.run(List.of(kv0, kv1, kv2), kv0, kv2, 1, recorded::add);

        assertThat(outcome.switched()).isFalse();
        assertThat(outcome.reason()).contains("reached offset 15 of 20");
        assertThat(stores.sent("pause")).containsExactly("pause kv-0 5000", "pause kv-0 0");
        assertThat(recorded).isEmpty();
        assertThat(stores.sent("fence")).isEmpty();
    }

    @Test
    void a_target_that_stops_answering_while_it_catches_up_resumes_the_primarys_writes_at_once() {
        stores.store("kv-2").answers = false;

        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                switchover.run(List.of(kv0, kv1, kv2), kv0, kv2, 1, recorded::add)).isInstanceOf(IOException.class);

        assertThat(stores.sent("pause")).as("not left paused until the pause ends by itself")
                .containsExactly("pause kv-0 5000", "pause kv-0 0");
        assertThat(recorded).isEmpty();
        assertThat(stores.sent("fence")).isEmpty();
    }

    @Test
    void a_store_further_ahead_than_the_target_is_promoted_instead() throws IOException {
        // the primary's last entry reached kv-1 only after the target caught up with the paused offset
        stores.store("kv-0").lastOffset = 21;
        stores.store("kv-1").lastOffset = 21;
        stores.store("kv-2").lastOffset = 21;
        var ahead = new FakeStores() {
            @Override
            public dev.kvstore.core.admin.NodeStatus fence(String url, long epoch) throws IOException {
                if (url.endsWith("kv-1")) {
                    stores.get("kv-1").lastOffset = 22;
                }
                return super.fence(url, epoch);
            }
        };
        ahead.stores.putAll(stores.stores);

        var outcome = new Switchover(ahead, Runnable::run, Duration.ofMillis(100))
                .run(List.of(kv0, kv1, kv2), kv0, kv2, 1, recorded::add);

        assertThat(outcome.winner()).isEqualTo("kv-1");
        assertThat(outcome.reason()).contains("kv-2 was behind");
    }

    @Test
    void a_primary_that_does_not_answer_its_fence_stops_the_switchover_before_any_promotion() throws IOException {
        var silentFence = new FakeStores() {
            @Override
            public dev.kvstore.core.admin.NodeStatus fence(String url, long epoch) throws IOException {
                if (url.endsWith("kv-0")) {
                    throw new IOException("timed out");
                }
                return super.fence(url, epoch);
            }
        };
        silentFence.stores.putAll(stores.stores);

        var outcome = new Switchover(silentFence, Runnable::run, Duration.ofMillis(100))
                .run(List.of(kv0, kv1, kv2), kv0, kv2, 1, recorded::add);

        assertThat(outcome.switched()).isFalse();
        assertThat(silentFence.sent("promote")).isEmpty();
    }

    @Test
    void a_store_fenced_for_maintenance_listed_first_at_the_primarys_offset_is_neither_promoted_nor_told_to_follow()
            throws IOException {
        // kv-1 holds the primary's last entry, 21, as the primary does (it was fenced with it, or a test made it so);
        // the target kv-2 is one entry behind at the fence. kv-1 answers first, tied with the primary at the top
        stores.store("kv-1").maintenanceFenced = true;
        stores.store("kv-1").role = "none";
        var behind = new FakeStores() {
            @Override
            public dev.kvstore.core.admin.NodeStatus fence(String url, long epoch) throws IOException {
                if (url.endsWith("kv-1")) {
                    stores.get("kv-0").lastOffset = 21;
                    stores.get("kv-1").lastOffset = 21;
                }
                return super.fence(url, epoch);
            }
        };
        behind.stores.putAll(stores.stores);

        var outcome = new Switchover(behind, Runnable::run, Duration.ofMillis(100))
                .run(List.of(kv1, kv0, kv2), kv0, kv2, 1, recorded::add);

        assertThat(outcome.switched()).isTrue();
        assertThat(outcome.winner()).isEqualTo("kv-0");
        assertThat(behind.sent("follow")).containsExactly("follow kv-2@2 kv-0:7400");
        assertThat(outcome.notRepointed()).isEmpty();
    }
}
