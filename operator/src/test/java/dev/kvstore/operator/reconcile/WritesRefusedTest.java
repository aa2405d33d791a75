package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.admin.NodeStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WritesRefusedTest {

    private static NodeStatus store(long memoryUsed, long memoryLimit, long diskFree, long diskReserve) {
        return new NodeStatus("kv-0", "primary", 1, 1, 10, 10, 10, 0, "kv-0:7000", "http://kv-0:8080", false, false, 0,
                1, "sync", 1, null, memoryUsed, memoryLimit, diskFree, diskReserve, null, false);
    }

    @Test
    void a_cluster_with_room_has_the_condition_false() {
        WritesRefused condition = WritesRefused.of(Map.of("kv-0", store(100, 1000, 10_000, 1000)));
        assertThat(condition.refused()).isFalse();
        assertThat(condition.reason()).isEqualTo("None");
    }

    @Test
    void a_store_at_its_memory_budget_names_itself_and_the_figures() {
        Map<String, NodeStatus> statuses = new LinkedHashMap<>();
        statuses.put("kv-0", store(995, 1000, 10_000, 1000));
        statuses.put("kv-1", store(100, 1000, 10_000, 1000));
        WritesRefused condition = WritesRefused.of(statuses);
        assertThat(condition.refused()).isTrue();
        assertThat(condition.reason()).isEqualTo("MemoryBudgetReached");
        assertThat(condition.message()).contains("kv-0: memory budget reached: 995 of 1000").doesNotContain("kv-1");
    }

    @Test
    void a_nearly_full_volume_comes_first() {
        WritesRefused condition = WritesRefused.of(Map.of("kv-1", store(995, 1000, 500, 1000)));
        assertThat(condition.reason()).isEqualTo("DiskNearlyFull");
        assertThat(condition.message()).contains("kv-1: disk nearly full: 500 bytes free, 1000 kept in reserve");
    }
}
