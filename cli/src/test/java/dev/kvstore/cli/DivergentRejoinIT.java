package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A primary that wrote entries nobody else got (its secondaries were dead), then died, comes back
 * after another store took over: its unacknowledged suffix goes to quarantine and it converges.
 */
class DivergentRejoinIT {

    @Test
    void an_unacknowledged_suffix_goes_to_quarantine_and_the_old_primary_converges() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).withRestart(false);
        try (ClusterFixture fixture = new ClusterFixture("rejoin", settings).start()) {
            for (int i = 0; i < 20; i++) {
                fixture.client.put("acked-" + i, "yes".getBytes());
            }
            NodeProcess old = fixture.primary();
            List<NodeProcess> secondaries = fixture.secondaries();
            long lastBefore = fixture.status(old).path("lastOffset").asLong();

            // frozen, not killed: still connected, so the primary still counts them as good for a moment
            // and takes the writes below into its log (with none connected it would refuse them at once,
            // NOREPLICAS, and nothing would diverge)
            for (NodeProcess secondary : secondaries) {
                secondary.signal("STOP");
            }
            HttpClient http = HttpClient.newHttpClient();
            int unacknowledged = 5;
            for (int i = 0; i < unacknowledged; i++) {
                // no secondary can acknowledge: each of these times out, yet it is in the primary's log
                http.sendAsync(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/orphan-" + i))
                        .PUT(HttpRequest.BodyPublishers.ofString("never acknowledged")).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            // each write, and the time mark of each new millisecond among them: between 5 and 10 entries
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> fixture.status(old).path("lastOffset").asLong() >= lastBefore + unacknowledged);
            long[] seen = {fixture.status(old).path("lastOffset").asLong()};
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
                long now = fixture.status(old).path("lastOffset").asLong();
                boolean still = now == seen[0];
                seen[0] = now;
                return still; // the last of the five appended
            });
            long suffix = seen[0] - lastBefore;
            assertThat(suffix).as("the divergent suffix: the writes and their time marks").isBetween(
                    (long) unacknowledged, 2L * unacknowledged);
            old.kill();
            secondaries.forEach(NodeProcess::kill);

            for (NodeProcess secondary : secondaries) {
                fixture.cluster.start(secondary);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> secondaries.contains(fixture.primary()));
            for (int i = 0; i < 20; i++) {
                fixture.client.putWithRetry("new-" + i, "after".getBytes(), Duration.ofSeconds(10));
            }

            fixture.cluster.start(old);
            fixture.awaitHealthy();
            JsonNode status = fixture.status(old);
            assertThat(status.path("role").asText()).isEqualTo("secondary");
            assertThat(status.path("quarantined").asLong()).as("entries moved to quarantine").isEqualTo(suffix);
            assertThat(fixture.dir.resolve(old.name()).resolve("quarantine").toFile().list()).isNotEmpty();
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                assertThat(fixture.status(old).path("lastOffset").asLong())
                        .isEqualTo(fixture.status(fixture.primary()).path("lastOffset").asLong());
                for (int i = 0; i < 20; i++) {
                    assertThat(fixture.client.get(old.httpUrl(), "acked-" + i).value()).isPresent();
                    assertThat(fixture.client.get(old.httpUrl(), "new-" + i).value()).isPresent();
                }
            });
            for (NodeProcess node : fixture.cluster.nodes()) {
                for (int i = 0; i < unacknowledged; i++) {
                    assertThat(fixture.client.get(node.httpUrl(), "orphan-" + i).value())
                            .as("orphan-" + i + " on " + node.name()).isEmpty();
                }
            }
            // the metric says it too
            String metrics = http.send(HttpRequest.newBuilder(URI.create(old.managementUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("kv_quarantined_entries " + (double) suffix);
        }
    }
}
