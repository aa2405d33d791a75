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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A primary whose disk stops taking fsyncs (a failpoint makes every fsync of that store fail while
 * a trigger file exists) refuses writes at once instead of letting them time out, says so in its
 * status and health, and is replaced by the supervisor; nothing acknowledged is lost.
 */
class DiskFailureIT {

    private static final String TRIGGER = "fail-fsync";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void a_primary_that_cannot_fsync_is_replaced_and_nothing_acknowledged_is_lost() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).with("kv.failpoint-fsync-error-file", TRIGGER);
        try (ClusterFixture fixture = new ClusterFixture("disk-failure", settings).start()) {
            for (int i = 0; i < 50; i++) {
                fixture.client.put("before-" + i, "v".getBytes());
            }
            NodeProcess broken = fixture.primary();
            long epoch = fixture.cluster.supervisor().epoch();
            Path trigger = broken.dataDir().resolve(TRIGGER);
            Files.createFile(trigger);

            long started = System.nanoTime();
            String outcome;
            try {
                HttpResponse<String> write = http.send(HttpRequest.newBuilder(URI.create(broken.httpUrl() + "/v1/kv/doomed"))
                        .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString("x")).build(),
                        HttpResponse.BodyHandlers.ofString());
                outcome = write.statusCode() + " " + write.body();
                assertThat(write.statusCode()).as("a write the store cannot make durable").isEqualTo(503);
                assertThat(write.body()).contains("cannot make writes durable");
            } catch (java.io.IOException stoppedMeanwhile) {
                outcome = "connection ended: the supervisor stopped the store first";
            }
            long answeredMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("write to the store with a failing fsync: %s after %d ms%n", outcome, answeredMillis);
            assertThat(answeredMillis).as("refused at once, not at the 5 s write timeout").isLessThan(3_000);

            await().atMost(Duration.ofSeconds(10)).until(() -> fixture.primary() != broken
                    && fixture.cluster.supervisor().epoch() > epoch);
            Files.delete(trigger);
            assertThat(fixture.events).anyMatch(line -> line.contains(broken.name() + " stopped")
                    && line.contains("cannot make writes durable"));
            for (int i = 0; i < 50; i++) {
                fixture.client.putWithRetry("after-" + i, "v".getBytes(), Duration.ofSeconds(10));
            }

            // restarted with a working disk, it rejoins; every acknowledged write is on every store
            fixture.awaitHealthy();
            for (NodeProcess node : fixture.cluster.nodes()) {
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    JsonNode status = fixture.status(node);
                    assertThat(status.path("diskFailure").isNull() || status.path("diskFailure").isMissingNode()).isTrue();
                    for (int i = 0; i < 50; i++) {
                        assertThat(fixture.client.get(node.httpUrl(), "before-" + i).value()).isPresent();
                        assertThat(fixture.client.get(node.httpUrl(), "after-" + i).value()).isPresent();
                    }
                });
            }
        }
    }
}
