package dev.kvstore.cli.lin;

import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The end of every fault test's history: each key as the primary holds it once the faults are over. */
final class FinalReads {

    private FinalReads() {
    }

    /** The final state of every key, read from the primary (under its lease) after the faults. */
    static void readEveryKeyBackFromThePrimary(ClusterFixture fixture, History history, List<String> keys) {
        fixture.awaitHealthy();
        HttpClient http = HttpClient.newHttpClient();
        for (String key : keys) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                NodeProcess primary = fixture.primary();
                History.Op op = history.invoke("final-read", "get", key, null);
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(primary.httpUrl() + "/v1/kv/" + key))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                boolean asPrimary = "primary".equals(response.headers().firstValue("X-KV-Role").orElse(""));
                if (asPrimary && (response.statusCode() == 200 || response.statusCode() == 404)) {
                    op.ok(response.statusCode() == 404 ? null : new String(response.body(), StandardCharsets.UTF_8), primary.name());
                    return true;
                }
                op.fail(primary.name());
                return false;
            });
        }
    }
}
