package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marks a primary writes, on a clock the test sets. */
class TimeMarksTest {

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_000);

    private TimeMarks marks() throws Exception {
        return new TimeMarks(clock::get, new TimeMarkFloor(dir, new DurableFiles(DiskSync.SYSTEM)));
    }

    @Test
    void one_mark_before_the_first_write_of_each_millisecond() throws Exception {
        TimeMarks marks = marks();
        assertThat(marks.beforeWrite()).isEqualTo(1_000);
        assertThat(marks.beforeWrite()).as("the same millisecond: no mark").isZero();
        clock.set(1_001);
        assertThat(marks.beforeWrite()).isEqualTo(1_001);
    }

    @Test
    void a_clock_set_back_writes_no_mark_until_it_passes_the_last_one() throws Exception {
        TimeMarks marks = marks();
        clock.set(5_000);
        marks.beforeWrite();
        clock.set(4_000);
        assertThat(marks.beforeWrite()).isZero();
        assertThat(marks.alone()).as("a mark alone repeats the last one").isEqualTo(5_000);
        clock.set(5_001);
        assertThat(marks.beforeWrite()).isEqualTo(5_001);
    }

    @Test
    void a_term_starts_at_the_newest_mark_known_when_the_clock_is_behind_it() throws Exception {
        assertThat(marks().termStart(3_000)).as("the log's newest mark").isEqualTo(3_000);
        assertThat(marks().termStart(0)).as("no mark known: the clock").isEqualTo(1_000);

        marks().keepBeforeDropping(7_000);
        TimeMarks afterRestart = marks(); // the floor is read back from the disk
        assertThat(afterRestart.termStart(0)).as("the mark the log held before it dropped entries").isEqualTo(7_000);
        assertThat(afterRestart.beforeWrite()).as("no write marked below the term's start").isZero();
        clock.set(8_000);
        assertThat(afterRestart.beforeWrite()).isEqualTo(8_000);
    }

    @Test
    void the_floor_is_never_lowered() throws Exception {
        TimeMarks marks = marks();
        marks.keepBeforeDropping(7_000);
        marks.keepBeforeDropping(6_000);
        assertThat(marks().termStart(0)).isEqualTo(7_000);
    }
}
