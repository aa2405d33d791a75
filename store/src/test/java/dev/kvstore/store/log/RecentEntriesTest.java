package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentEntriesTest {

    private final RecentEntries recent = new RecentEntries();

    @Test
    void holds_the_last_appended_entries_by_offset_and_no_older_ones() {
        for (long offset = 1; offset <= RecentEntries.CAPACITY + 5; offset++) {
            recent.appended(LogEntry.noop(1, offset));
        }
        assertThat(recent.at(RecentEntries.CAPACITY + 5).offset()).isEqualTo(RecentEntries.CAPACITY + 5);
        assertThat(recent.at(6).offset()).isEqualTo(6);
        assertThat(recent.at(5)).isNull(); // its slot now holds the entry a whole ring later
        assertThat(recent.at(RecentEntries.CAPACITY + 6)).isNull(); // not appended yet
    }

    @Test
    void entries_past_the_size_kept_are_not_held_so_a_thousand_large_values_cost_nothing_here() {
        byte[] small = new byte[RecentEntries.MAX_KEPT_BYTES - 1];
        recent.appended(LogEntry.put(1, 1, "k", small)); // key and value: exactly the most kept
        assertThat(recent.at(1)).isNotNull();
        byte[] oneTooMany = new byte[RecentEntries.MAX_KEPT_BYTES]; // with the one-byte key: one byte past the most
        for (long offset = 2; offset <= RecentEntries.CAPACITY + 1; offset++) {
            recent.appended(LogEntry.put(1, offset, "k", oneTooMany));
        }
        assertThat(recent.at(RecentEntries.CAPACITY + 1)).isNull();
        assertThat(recent.at(2)).isNull();
        assertThat(recent.heldBytes()).isZero();
    }

    @Test
    void forgets_everything_when_offsets_may_name_other_entries() {
        recent.appended(LogEntry.noop(1, 7));
        recent.forget();
        assertThat(recent.at(7)).isNull();
    }
}
