package dev.kvstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WriteLogTest {

    private static final String LOG = String.join("\n",
            "W 1 1000000 {\"epoch\":1,\"offset\":7} 200",
            "W 2 1100000 {\"error\":\"not the primary\",\"primary\":null} 503",
            "W 3 1200000  000",
            "some curl noise",
            "W 4 3100000 {\"epoch\":1,\"offset\":8} 200",
            "W 5 3600000 {\"epoch\":2,\"offset\":9} 200");

    @Test
    void onlyWritesAnsweredWithAnEpochCountAsAcknowledged() {
        WriteLog log = WriteLog.parse(LOG);
        assertThat(log.writes()).hasSize(5);
        assertThat(log.acknowledgedIndexes()).containsExactly(1L, 4L, 5L);
    }

    @Test
    void findsTheFirstAcknowledgementOfANewerTerm() {
        WriteLog log = WriteLog.parse(LOG);
        assertThat(log.firstAcknowledgedAfter(1_050_000, 1)).map(WriteLog.Write::index).contains(5L);
        assertThat(log.firstAcknowledgedAfter(1_050_000, 0)).map(WriteLog.Write::index).contains(4L);
        assertThat(log.firstAcknowledgedAfter(4_000_000, 0)).isEmpty();
    }

    @Test
    void measuresTheLongestPauseBetweenAcknowledgements() {
        assertThat(WriteLog.parse(LOG).longestGapMillis()).isEqualTo(2100);
    }
}
