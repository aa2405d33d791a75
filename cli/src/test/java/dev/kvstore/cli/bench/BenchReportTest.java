package dev.kvstore.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The report says the setting it ran with. */
class BenchReportTest {

    @Test
    void the_report_names_the_fsync_policy_the_run_used() {
        assertThat(Bench.fsyncSaid("always")).startsWith("fsync always").contains("on two disks");
        assertThat(Bench.fsyncSaid("everysec")).startsWith("fsync everysec").doesNotContain("fsync always")
                .contains("within a second");
    }
}
