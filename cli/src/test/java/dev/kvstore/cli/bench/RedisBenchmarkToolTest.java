package dev.kvstore.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisBenchmarkToolTest {

    @Test
    void readsTheRowsOfRedisBenchmark7CsvAndIgnoresEverythingElse() {
        String output = """
                WARNING: Could not fetch server CONFIG
                "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
                "SET","6972.53","7.023","1.016","5.335","17.567","28.287","53.279"
                "GET","28026.90","1.562","0.128","1.215","4.199","8.327","34.143"
                """;
        assertThat(RedisBenchmarkTool.parseCsv(output)).containsExactly(
                new RedisBenchmarkTool.Row("SET", 6972.53, 5.335, 28.287),
                new RedisBenchmarkTool.Row("GET", 28026.90, 1.215, 8.327));
    }
}
