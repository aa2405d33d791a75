package dev.kvstore.store.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.disk.RestorePoint;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogEntryCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archived log after a backup, cut at a restore point: what is kept, and which archives are refused. */
class ArchivedLogCutTest {

    @TempDir
    Path dir;

    /** Offsets 1..12 of epoch 2: marks at 1 (t=1000), 5 (t=2000) and 9 (t=3000), writes between. */
    private static List<LogEntry> history() {
        List<LogEntry> entries = new ArrayList<>();
        for (long offset = 1; offset <= 12; offset++) {
            entries.add(offset % 4 == 1 ? LogEntry.timeMark(2, offset, 1000 * (offset / 4 + 1))
                    : LogEntry.put(2, offset, "k" + offset, new byte[] {(byte) offset}));
        }
        return entries;
    }

    private Path archive(List<LogEntry> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (LogEntry entry : entries) {
            out.write(LogEntryCodec.encode(entry));
        }
        Path file = Files.createTempFile(dir, "archive", ".kvlog");
        Files.write(file, out.toByteArray());
        return file;
    }

    private List<Long> kept(Path archive, long backupOffset, RestorePoint point) throws IOException {
        List<Long> offsets = new ArrayList<>();
        ArchivedLogCut.Result result = ArchivedLogCut.cut(archive, backupOffset, 2, point, 1 << 20,
                batch -> batch.forEach(entry -> offsets.add(entry.offset())));
        assertThat(result.entries()).isEqualTo(offsets.size());
        assertThat(result.lastOffset()).isEqualTo(offsets.isEmpty() ? backupOffset : offsets.get(offsets.size() - 1));
        return offsets;
    }

    @Test
    void at_a_time_it_keeps_every_entry_before_the_first_mark_after_it() throws Exception {
        Path archive = archive(history());
        // 2000..2999: the mark of 2000 and its writes are in, the mark of 3000 and all after it out
        assertThat(kept(archive, 2, new RestorePoint.AtTime(2500))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(kept(archive, 2, new RestorePoint.AtTime(2000))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(kept(archive, 2, new RestorePoint.AtTime(1999))).containsExactly(3L, 4L);
        // a point after the last mark: everything (the archive's head vouched for it)
        assertThat(kept(archive, 2, new RestorePoint.AtTime(9999))).hasSize(10);
    }

    @Test
    void at_a_position_it_keeps_up_to_that_entry_of_that_epoch() throws Exception {
        Path archive = archive(history());
        assertThat(kept(archive, 2, new RestorePoint.AtPosition(2, 7))).containsExactly(3L, 4L, 5L, 6L, 7L);
        assertThat(kept(archive, 2, new RestorePoint.AtPosition(2, 2))).as("the backup's own point").isEmpty();
        assertThatThrownBy(() -> kept(archive, 2, new RestorePoint.AtPosition(3, 7)))
                .hasMessageContaining("is of epoch 2");
        assertThatThrownBy(() -> kept(archive, 2, new RestorePoint.AtPosition(2, 40)))
                .hasMessageContaining("ends at offset 12");
        assertThatThrownBy(() -> kept(archive, 8, new RestorePoint.AtPosition(2, 7)))
                .hasMessageContaining("before the backup's last entry");
    }

    @Test
    void an_archive_that_does_not_go_on_from_the_backup_or_misses_offsets_is_refused() throws Exception {
        List<LogEntry> entries = history();
        assertThatThrownBy(() -> kept(archive(entries.subList(4, 12)), 2, new RestorePoint.AtTime(9999)))
                .as("starts after the backup").hasMessageContaining("does not go on from the backup");
        List<LogEntry> holed = new ArrayList<>(entries);
        holed.remove(6);
        assertThatThrownBy(() -> kept(archive(holed), 2, new RestorePoint.AtTime(9999)))
                .hasMessageContaining("misses offsets 7 to 7");
        List<LogEntry> otherHistory = new ArrayList<>(entries);
        otherHistory.set(1, LogEntry.put(1, 2, "k2", new byte[] {2}));
        assertThatThrownBy(() -> kept(archive(otherHistory), 2, new RestorePoint.AtTime(9999)))
                .hasMessageContaining("another history");
        assertThatThrownBy(() -> kept(archive(entries.subList(0, 1)), 2, new RestorePoint.AtTime(9999)))
                .hasMessageContaining("before the backup's last entry");
    }

    @Test
    void the_archive_must_hold_the_backups_last_entry_and_no_mark_after_a_time_before_it() throws Exception {
        List<LogEntry> entries = history();
        // a segment boundary right after the backup's entry: without that entry nothing proves the same history
        assertThatThrownBy(() -> kept(archive(entries.subList(2, 12)), 2, new RestorePoint.AtTime(9999)))
                .hasMessageContaining("does not go on from the backup");
        // the backup (up to offset 10) holds writes after the mark of 3000 at offset 9: a point before it is refused
        assertThatThrownBy(() -> kept(archive(entries), 10, new RestorePoint.AtTime(2500)))
                .hasMessageContaining("the backup holds writes made after");
        // a segment written twice (an upload retried): its entries are read once
        List<LogEntry> twice = new ArrayList<>(entries.subList(0, 8));
        twice.addAll(entries.subList(5, 12));
        assertThat(kept(archive(twice), 2, new RestorePoint.AtTime(9999))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L,
                10L, 11L, 12L);
    }

    @Test
    void a_time_cut_through_a_term_without_marks_is_refused_but_a_position_is_not() throws Exception {
        // offsets 1..6 of epoch 2 with marks, then a term of an older release: a plain NOOP and writes, no marks
        List<LogEntry> entries = new ArrayList<>(history().subList(0, 6));
        entries.add(LogEntry.noop(3, 7));
        entries.add(LogEntry.put(3, 8, "old8", new byte[] {8}));
        entries.add(LogEntry.put(3, 9, "old9", new byte[] {9}));
        Path archive = archive(entries);
        assertThatThrownBy(() -> kept(archive, 2, new RestorePoint.AtTime(2500)))
                .hasMessageContaining("without time marks");
        assertThat(kept(archive, 2, new RestorePoint.AtPosition(3, 8))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L);
        // a later marked term vouches for the unmarked one before it: its first mark is at or before the point
        entries.add(LogEntry.timeMark(4, 10, 2400));
        entries.add(LogEntry.put(4, 11, "k11", new byte[] {11}));
        entries.add(LogEntry.timeMark(4, 12, 2600));
        assertThat(kept(archive(entries), 2, new RestorePoint.AtTime(2500))).containsExactly(3L, 4L, 5L, 6L, 7L, 8L,
                9L, 10L, 11L);
    }

    @Test
    void segments_of_two_histories_overlapping_are_refused() throws Exception {
        List<LogEntry> entries = new ArrayList<>(history().subList(0, 8));
        for (LogEntry entry : history().subList(4, 12)) {
            entries.add(new LogEntry(3, entry.offset(), entry.op(), entry.key(), entry.value()));
        }
        assertThatThrownBy(() -> kept(archive(entries), 2, new RestorePoint.AtPosition(3, 12)))
                .hasMessageContaining("two archived histories overlap at offset 5");
    }

    @Test
    void an_archive_starting_after_the_terms_last_mark_before_the_backup_still_cuts_at_a_time() throws Exception {
        // offsets 6..12: the backup ends at 6 (a write after the mark of 2000 at 5, which the archive does not hold)
        assertThat(kept(archive(history().subList(5, 12)), 6, new RestorePoint.AtTime(2500))).containsExactly(7L, 8L);
    }

    @Test
    void a_damaged_or_cut_archive_is_refused() throws Exception {
        Path archive = archive(history());
        byte[] bytes = Files.readAllBytes(archive);
        byte[] damaged = bytes.clone();
        damaged[bytes.length / 2] ^= 0x10;
        Files.write(archive, damaged);
        assertThatThrownBy(() -> kept(archive, 2, new RestorePoint.AtTime(9999))).hasMessageContaining("damaged");
        Files.write(archive, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> kept(archive, 2, new RestorePoint.AtTime(9999))).hasMessageContaining("is cut");
    }
}
