package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a drill concludes from its writer's log and the values read back. */
class DrillReportTest {

    private static final String LOG = """
            R 1 1000000 OK
            R 2 1100000 OK
            R 3 1200000 Error: Connection reset by peer
            R 4 2300000 TRYAGAIN no primary
            R 5 2900000 OK
            R 6 3000000 OK
            stopped
            """;

    @Test
    void every_acknowledged_write_read_back_is_nothing_lost() {
        DrillReport report = DrillReport.of(LOG, readBack("v1\nv2\n\n\nv5\nv6\n"), 1_150_000);

        assertThat(report.attempted()).isEqualTo(6);
        assertThat(report.acknowledged()).isEqualTo(4);
        assertThat(report.lost()).isEmpty();
    }

    @Test
    void the_time_without_acknowledged_writes_runs_from_the_last_ok_before_the_fault_to_the_first_after() {
        DrillReport report = DrillReport.of(LOG, readBack("v1\nv2\n\n\nv5\nv6\n"), 1_150_000);

        assertThat(report.unavailableMillis()).isEqualTo(1_800); // 1.1 s -> 2.9 s
    }

    @Test
    void an_acknowledged_write_that_reads_back_absent_or_different_is_lost() {
        DrillReport report = DrillReport.of(LOG, readBack("v1\n\n\n\nv5\nv7\n"), 1_150_000);

        assertThat(report.lost()).containsExactly(2L, 6L);
    }

    @Test
    void the_refusals_after_writes_went_through_are_counted_by_reply() {
        String log = "R 1 900000 Error: Connection refused\n" + LOG;

        assertThat(DrillReport.of(log, readBack(""), 1_150_000).failedAfterFirstAck()).containsExactly(
                java.util.Map.entry("Error: Connection reset by peer", 1L), java.util.Map.entry("TRYAGAIN no primary", 1L));
    }

    @Test
    void a_write_not_acknowledged_may_be_there_or_not() {
        // index 3 was cut off: applied or not, neither is a loss
        assertThat(DrillReport.of(LOG, readBack("v1\nv2\nv3\n\nv5\nv6\n"), 1_150_000).lost()).isEmpty();
    }

    @Test
    void writes_acknowledged_before_the_fault_took_effect_do_not_hide_the_outage() {
        // asked for at 1.05 s; the process died only after the write of 1.1 s
        assertThat(DrillReport.of(LOG, readBack("v1\nv2\n\n\nv5\nv6\n"), 1_050_000).unavailableMillis()).isEqualTo(1_800);
    }

    @Test
    void writes_failing_after_the_last_acknowledged_one_count_as_time_without_writes() {
        String log = LOG + "R 7 3100000 TRYAGAIN\nR 8 9000000 TRYAGAIN\n";

        assertThat(DrillReport.of(log, readBack("v1\nv2\n\n\nv5\nv6\n\n\n"), 1_150_000).unavailableMillis()).isEqualTo(6_000);
    }

    @Test
    void no_write_acknowledged_after_the_fault_has_no_recovery_time() {
        DrillReport report = DrillReport.of("R 1 1000000 OK\nR 2 2000000 TRYAGAIN\n", readBack("v1\n\n"), 1_500_000);

        assertThat(report.unavailableMillis()).isEqualTo(-1);
    }

    @Test
    void an_acknowledged_write_that_could_not_be_read_is_unread_not_lost() {
        // the reader's output for keys 5 and 6 could not be trusted (a connection lost, an output cut short)
        java.util.Map<Long, String> firstFour = readBack("v1\nv2\n\n\n");

        DrillReport report = DrillReport.of(LOG, firstFour, 1_150_000);

        assertThat(report.lost()).isEmpty();
        assertThat(report.unread()).containsExactly(5L, 6L);
    }

    @Test
    void the_keys_to_read_back_run_to_the_last_write_tried() {
        assertThat(DrillReport.lastIndex(LOG)).isEqualTo(6);
        assertThat(DrillReport.lastIndex("")).isZero();
    }

    /** Values by index from 1, one per line as the reader prints them ("" for an absent key). */
    private static java.util.Map<Long, String> readBack(String lines) {
        java.util.Map<Long, String> values = new java.util.HashMap<>();
        String[] each = lines.split("\n", -1);
        for (int i = 0; i < each.length - 1; i++) {
            values.put(i + 1L, each[i]);
        }
        return values;
    }
}
