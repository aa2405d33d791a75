package dev.kvstore.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CronScheduleTest {

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static Instant next(String cron, String after) {
        return CronSchedule.parse(cron).nextAfter(at(after));
    }

    @Test
    void five_fields_fire_on_the_minute_strictly_after_the_time_given() {
        assertThat(next("30 3 * * *", "2026-12-05T01:00:00Z")).isEqualTo(at("2026-12-05T03:30:00Z"));
        assertThat(next("30 3 * * *", "2026-12-05T03:30:00Z")).isEqualTo(at("2026-12-06T03:30:00Z"));
        assertThat(next("* * * * *", "2026-12-05T03:30:15.500Z")).isEqualTo(at("2026-12-05T03:31:00Z"));
    }

    @Test
    void six_fields_take_seconds_first() {
        assertThat(next("*/10 * * * * *", "2026-12-05T03:30:15Z")).isEqualTo(at("2026-12-05T03:30:20Z"));
        assertThat(next("0 0 0 * * *", "2026-12-05T03:30:15Z")).isEqualTo(at("2026-12-06T00:00:00Z"));
    }

    @Test
    void ranges_steps_lists_and_names() {
        // weekdays at 9 and 17: Saturday 2026-12-05 goes to Monday 2026-12-07
        assertThat(next("0 9,17 * * MON-FRI", "2026-12-05T10:00:00Z")).isEqualTo(at("2026-12-07T09:00:00Z"));
        assertThat(next("0 9,17 * * 1-5", "2026-12-07T09:00:00Z")).isEqualTo(at("2026-12-07T17:00:00Z"));
        assertThat(next("15/20 * * * *", "2026-12-05T10:36:00Z")).isEqualTo(at("2026-12-05T10:55:00Z"));
        assertThat(next("0 0 1 jan,jul *", "2026-12-05T00:00:00Z")).isEqualTo(at("2027-01-01T00:00:00Z"));
        assertThat(next("0 0 * * 7", "2026-12-05T00:00:00Z")).as("7 is Sunday too").isEqualTo(at("2026-12-06T00:00:00Z"));
    }

    @Test
    void with_both_day_fields_restricted_either_one_fires_as_in_cron() {
        // the 15th, or any Monday: Monday 2026-12-07 comes first
        assertThat(next("0 0 15 * 1", "2026-12-05T00:00:00Z")).isEqualTo(at("2026-12-07T00:00:00Z"));
        assertThat(next("0 0 15 * 1", "2026-12-14T00:00:00Z")).isEqualTo(at("2026-12-15T00:00:00Z"));
    }

    @Test
    void macros_and_the_end_of_months_and_leap_days() {
        assertThat(next("@daily", "2026-12-31T12:00:00Z")).isEqualTo(at("2027-01-01T00:00:00Z"));
        assertThat(next("@hourly", "2026-12-05T10:59:59Z")).isEqualTo(at("2026-12-05T11:00:00Z"));
        assertThat(next("@weekly", "2026-12-05T10:00:00Z")).isEqualTo(at("2026-12-06T00:00:00Z"));
        assertThat(next("@monthly", "2026-12-05T10:00:00Z")).isEqualTo(at("2027-01-01T00:00:00Z"));
        assertThat(next("0 0 31 * *", "2027-01-31T00:00:00Z")).isEqualTo(at("2027-03-31T00:00:00Z"));
        assertThat(next("0 0 29 2 *", "2026-12-05T00:00:00Z")).isEqualTo(at("2028-02-29T00:00:00Z"));
    }

    @Test
    void what_is_due_is_the_latest_time_missed_and_only_once_it_has_come() {
        CronSchedule hourly = CronSchedule.parse("0 * * * *");
        assertThat(hourly.latestDue(at("2026-12-05T10:00:00Z"), at("2026-12-05T10:59:59Z"))).isEmpty();
        assertThat(hourly.latestDue(at("2026-12-05T10:00:00Z"), at("2026-12-05T11:00:00Z"))).contains(at("2026-12-05T11:00:00Z"));
        // the operator was down for three days: one backup, for the latest time
        assertThat(hourly.latestDue(at("2026-12-02T10:00:00Z"), at("2026-12-05T10:20:00Z"))).contains(at("2026-12-05T10:00:00Z"));
        CronSchedule everySecond = CronSchedule.parse("* * * * * *");
        assertThat(everySecond.latestDue(at("2025-01-01T00:00:00Z"), at("2026-12-05T10:20:00.400Z")))
                .contains(at("2026-12-05T10:20:00Z"));
        CronSchedule yearly = CronSchedule.parse("@yearly");
        assertThat(yearly.latestDue(at("2020-06-01T00:00:00Z"), at("2026-12-05T00:00:00Z"))).contains(at("2026-01-01T00:00:00Z"));
    }

    @Test
    void bad_expressions_say_which_field_and_why() {
        assertThatThrownBy(() -> CronSchedule.parse("0 3 * *")).hasMessageContaining("has 4 fields");
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).hasMessageContaining("the minute 61 is outside 0-59");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * * FUN")).hasMessageContaining("'FUN' is not a day of week");
        assertThatThrownBy(() -> CronSchedule.parse("0 5-2 * * *")).hasMessageContaining("runs backwards");
        assertThatThrownBy(() -> CronSchedule.parse("*/0 * * * *")).hasMessageContaining("outside");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 30 2 *")).hasMessageContaining("never fires");
        assertThatThrownBy(() -> CronSchedule.parse("@often")).hasMessageContaining("unknown macro");
        assertThatThrownBy(() -> CronSchedule.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> CronSchedule.parse("1,,2 * * * *")).hasMessageContaining("is not a minute");
    }
}
