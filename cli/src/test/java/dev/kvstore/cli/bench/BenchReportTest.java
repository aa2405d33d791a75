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

    @Test
    void the_latency_floor_probes_measure_something_and_the_bound_is_twice_their_sum() throws Exception {
        LatencyFloor.Probe roundTrip = LatencyFloor.loopbackRoundTrip(500);
        LatencyFloor.Probe fsync = LatencyFloor.fdatasync(java.nio.file.Files.createTempDirectory("floor"), 50);
        assertThat(roundTrip.samples()).isEqualTo(500);
        assertThat(roundTrip.p50Millis()).isGreaterThan(0).isLessThanOrEqualTo(roundTrip.p99Millis());
        assertThat(fsync.p50Millis()).isGreaterThan(0).isLessThanOrEqualTo(fsync.p99Millis());
        assertThat(LatencyFloor.boundMillis(new LatencyFloor.Probe(0.05, 0.1, 1), new LatencyFloor.Probe(0.2, 0.5, 1)))
                .isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LatencyFloor.probe(new long[]{3_000_000, 1_000_000, 2_000_000}).p50Millis()).isEqualTo(2.0);
    }
}
