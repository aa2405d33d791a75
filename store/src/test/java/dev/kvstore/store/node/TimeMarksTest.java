package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The marks a primary writes, on a clock the test sets. */
class TimeMarksTest {

    private final AtomicLong clock = new AtomicLong(1_000);

    private TimeMarks marks() {
        return new TimeMarks(clock::get);
    }

    @Test
    void one_mark_before_the_first_write_of_each_millisecond() {
        TimeMarks marks = marks();
        assertThat(marks.beforeWrite()).isEqualTo(1_000);
        assertThat(marks.beforeWrite()).as("the same millisecond: no mark").isZero();
        clock.set(1_001);
        assertThat(marks.beforeWrite()).isEqualTo(1_001);
    }

    @Test
    void a_clock_set_back_writes_no_mark_until_it_passes_the_last_one() {
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
    void a_term_starts_at_the_newest_mark_known_when_the_clock_is_behind_it() {
        assertThat(new TimeMarks(clock::get).termStart(3_000)).as("the log's newest mark").isEqualTo(3_000);
        assertThat(new TimeMarks(clock::get).termStart(0)).as("no mark known: the clock").isEqualTo(1_000);

        TimeMarks marks = new TimeMarks(clock::get);
        marks.termStart(7_000);
        assertThat(marks.beforeWrite()).as("no write marked below the term's start").isZero();
        clock.set(8_000);
        assertThat(marks.beforeWrite()).isEqualTo(8_000);
    }
}
