package dev.kvstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FaultStatisticsTest {

    @Test
    void each_kind_gets_its_median_and_maximum_over_its_runs() {
        FaultStatistics statistics = new FaultStatistics();
        for (long millis : new long[] {900, 300, 700, 500, 1200}) {
            statistics.add("pod-delete", millis);
        }
        statistics.add("drain", 40);
        statistics.add("drain", 20);

        assertThat(statistics.report()).containsExactly(
                "statistics pod-delete: runs=5 median-ms=700 max-ms=1200 all-ms=[900, 300, 700, 500, 1200]",
                "statistics drain: runs=2 median-ms=20 max-ms=40 all-ms=[40, 20]");
    }
}
