package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnapshotScheduleTest {

    private static final long PLENTY = Long.MAX_VALUE / 4;

    private static SnapshotSchedule.Mark at(long offset, long keys) {
        return new SnapshotSchedule.Mark(offset, keys, keys * 100);
    }

    @Test
    void a_small_data_set_is_written_again_every_so_many_entries() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(1099, at(1000, 10), PLENTY)).isFalse();
        assertThat(schedule.due(1100, at(1000, 10), PLENTY)).isTrue();
    }

    @Test
    void a_large_one_only_once_the_entries_since_match_its_size_so_snapshots_cost_a_bounded_share_of_the_writes() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(100, at(0, 500), PLENTY)).isFalse();
        assertThat(schedule.due(499, at(0, 500), PLENTY)).isFalse();
        assertThat(schedule.due(500, at(0, 500), PLENTY)).isTrue();
        assertThat(new SnapshotSchedule(100, 50).due(250, at(0, 500), PLENTY)).isTrue();
    }

    @Test
    void never_more_than_ten_intervals_apart_however_large_the_data_set() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(999, at(0, 1_000_000), PLENTY)).isFalse();
        assertThat(schedule.due(1000, at(0, 1_000_000), PLENTY)).isTrue();
    }

    @Test
    void at_once_after_the_interval_when_the_volume_has_room_for_less_than_two_more_snapshots() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        SnapshotSchedule.Mark last = new SnapshotSchedule.Mark(0, 500, 10_000);
        assertThat(schedule.due(100, last, 20_000)).isFalse();
        assertThat(schedule.due(100, last, 19_999)).as("the log must be compacted to free the disk").isTrue();
        assertThat(schedule.due(99, last, 1)).as("not sooner than the interval while there is room").isFalse();
    }

    @Test
    void at_once_when_the_volume_has_no_room_above_its_reserve_even_before_a_first_snapshot() {
        SnapshotSchedule schedule = new SnapshotSchedule(100, 100);
        assertThat(schedule.due(5, SnapshotSchedule.Mark.NONE, 0)).as("writes are refused: only compaction helps")
                .isTrue();
        assertThat(schedule.due(5, SnapshotSchedule.Mark.NONE, -10)).isTrue();
        assertThat(schedule.due(0, SnapshotSchedule.Mark.NONE, -10)).as("nothing to compact").isFalse();
    }

    @Test
    void growth_zero_keeps_the_fixed_interval() {
        assertThat(new SnapshotSchedule(100, 0).due(100, at(0, 1_000_000), PLENTY)).isTrue();
    }

    @Test
    void refuses_settings_that_make_no_sense() {
        assertThatThrownBy(() -> new SnapshotSchedule(0, 100)).hasMessageContaining("kv.snapshot-every-entries");
        assertThatThrownBy(() -> new SnapshotSchedule(10, -1)).hasMessageContaining("kv.snapshot-growth-percent");
    }
}
