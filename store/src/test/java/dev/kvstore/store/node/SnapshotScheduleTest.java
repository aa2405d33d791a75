package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnapshotScheduleTest {

    @Test
    void a_small_data_set_is_written_again_every_so_many_entries() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(99, 10)).isFalse();
        assertThat(schedule.due(100, 10)).isTrue();
    }

    @Test
    void a_large_one_only_once_the_entries_since_match_its_size_so_snapshots_cost_a_bounded_share_of_the_writes() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(100, 1_000_000)).isFalse();
        assertThat(schedule.due(999_999, 1_000_000)).isFalse();
        assertThat(schedule.due(1_000_000, 1_000_000)).isTrue();
        assertThat(new SnapshotSchedule(100, 50).due(500_000, 1_000_000)).isTrue();
    }

    @Test
    void growth_zero_keeps_the_fixed_interval() {
        assertThat(new SnapshotSchedule(100, 0).due(100, 1_000_000)).isTrue();
    }

    @Test
    void refuses_settings_that_make_no_sense() {
        assertThatThrownBy(() -> new SnapshotSchedule(0, 100)).hasMessageContaining("kv.snapshot-every-entries");
        assertThatThrownBy(() -> new SnapshotSchedule(10, -1)).hasMessageContaining("kv.snapshot-growth-percent");
    }
}
