package dev.kvstore.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.disk.RestorePoint;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which backup and archived segments a restore to a point needs, from names alone. */
class RestorePlanTest {

    private static final long T = Instant.parse("2026-12-07T01:00:00Z").toEpochMilli();

    private static Backups.Manifest backup(String name, long offset, long finishedMillis) {
        return new Backups.Manifest(name, "kv-1", offset, 1, 10, 100, "00", Instant.ofEpochMilli(finishedMillis - 500)
                .toString(), Instant.ofEpochMilli(finishedMillis).toString(), name + Backups.SNAPSHOT);
    }

    private final List<Backups.Manifest> backups = List.of(backup("kv-a", 100, T), backup("kv-b", 300, T + 10_000));
    /** 1..150, 151..280, 281..400 (complete through T+20s), 401..500 (read mid-way: no certificate). */
    private final List<ArchiveSegment> segments = List.of(new ArchiveSegment(1, 150, 1, T - 1000),
            new ArchiveSegment(151, 280, 1, T + 5_000), new ArchiveSegment(281, 400, 1, T + 20_000),
            new ArchiveSegment(401, 500, 2, 0));

    @Test
    void a_segment_name_carries_what_choosing_needs() {
        for (ArchiveSegment segment : segments) {
            assertThat(ArchiveSegment.parse(segment.name())).contains(segment);
        }
        assertThat(segments.get(0).name()).isEqualTo("kvlog-00000000000000000001-00000000000000000150-1-"
                + (T - 1000) + ".kvlog");
        assertThat(ArchiveSegment.parse("kv-20261207-010000-1-100-abcdef.json")).isEmpty();
        assertThat(ArchiveSegment.parse(LogArchiver.HEAD)).isEmpty();
    }

    @Test
    void at_a_time_the_newest_backup_finished_before_it_and_segments_through_one_complete_past_it() {
        RestorePlan plan = RestorePlan.choose(backups, null, segments, null, new RestorePoint.AtTime(T + 4_000));
        assertThat(plan.backup().name()).isEqualTo("kv-a");
        assertThat(plan.segments()).extracting(ArchiveSegment::start).containsExactly(1L, 151L);

        RestorePlan later = RestorePlan.choose(backups, null, segments, null, new RestorePoint.AtTime(T + 15_000));
        assertThat(later.backup().name()).isEqualTo("kv-b");
        assertThat(later.segments()).extracting(ArchiveSegment::start).containsExactly(281L);
    }

    @Test
    void a_time_past_what_the_archive_vouches_for_waits_for_it_or_for_the_head() {
        RestorePoint past = new RestorePoint.AtTime(T + 30_000);
        assertThatThrownBy(() -> RestorePlan.choose(backups, null, segments, null, past))
                .hasMessageContaining("complete only through").hasMessageContaining("not yet through");
        // the head vouches for the archive's end (nothing written between it and the point)
        RestorePlan plan = RestorePlan.choose(backups, null, segments, new LogArchiver.Head(500, 2, T + 40_000), past);
        assertThat(plan.segments()).extracting(ArchiveSegment::end).containsExactly(400L, 500L);
        // a head of another end, or of the same end in another epoch (written before segments were set aside and
        // archived again), vouches for nothing
        assertThatThrownBy(() -> RestorePlan.choose(backups, null, segments, new LogArchiver.Head(600, 2, T + 40_000),
                past)).hasMessageContaining("not yet through");
        assertThatThrownBy(() -> RestorePlan.choose(backups, null, segments, new LogArchiver.Head(500, 1, T + 40_000),
                past)).hasMessageContaining("not yet through");
    }

    @Test
    void at_a_position_the_newest_backup_at_or_before_it_and_segments_through_it() {
        RestorePlan plan = RestorePlan.choose(backups, null, segments, null, new RestorePoint.AtPosition(2, 450));
        assertThat(plan.backup().name()).isEqualTo("kv-b");
        assertThat(plan.segments()).extracting(ArchiveSegment::start).containsExactly(281L, 401L);
        assertThatThrownBy(() -> RestorePlan.choose(backups, null, segments, null, new RestorePoint.AtPosition(2, 900)))
                .hasMessageContaining("ends at offset 500");
    }

    @Test
    void no_backup_before_the_point_a_named_one_after_it_or_a_gap_is_refused() {
        assertThatThrownBy(() -> RestorePlan.choose(backups, null, segments, null, new RestorePoint.AtTime(T - 1)))
                .hasMessageContaining("no complete backup is before");
        assertThatThrownBy(() -> RestorePlan.choose(backups, "kv-b", segments, null, new RestorePoint.AtTime(T + 1)))
                .hasMessageContaining("is not before the restore point");
        // the archive starts right after kv-b's last entry: nothing shows it is kv-b's history
        List<ArchiveSegment> afterIt = List.of(new ArchiveSegment(301, 400, 1, T + 20_000));
        assertThatThrownBy(() -> RestorePlan.choose(backups, "kv-b", afterIt, null, new RestorePoint.AtTime(T + 15_000)))
                .hasMessageContaining("does not hold the backup kv-b's last entry (offset 300");
        List<ArchiveSegment> holed = List.of(segments.get(0), segments.get(2));
        assertThatThrownBy(() -> RestorePlan.choose(backups, "kv-a", holed, null, new RestorePoint.AtTime(T + 15_000)))
                .hasMessageContaining("misses offsets 151 to 280");
    }
}
