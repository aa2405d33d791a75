package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A primary that was frozen (SIGSTOP) while the cluster failed over must, once it runs again, never
 * acknowledge a write nor answer a read as primary, and must end up following the new primary.
 */
class FencingIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void a_deposed_primary_acknowledges_nothing_and_rejoins_as_secondary() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("fencing", LocalClusterSettings.defaults(3)).start()) {
            for (int i = 0; i < 50; i++) {
                fixture.client.put("before-" + i, "old".getBytes());
            }
            NodeProcess old = fixture.primary();
            long oldEpoch = fixture.cluster.supervisor().epoch();

            old.signal("STOP");
            // writes sent to the frozen primary now sit in its socket buffer; they run when it wakes
            List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                queued.add(http.sendAsync(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/queued-" + i))
                        .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.ofString("from the past")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> fixture.primary() != old);
            NodeProcess fresh = fixture.primary();
            KvClient client = new KvClient(List.of(fresh.httpUrl()), Duration.ofSeconds(5));
            for (int i = 0; i < 50; i++) {
                client.putWithRetry("during-" + i, "new".getBytes(), Duration.ofSeconds(10));
            }

            old.signal("CONT");
            long wokeAt = System.nanoTime();
            // right after waking: writes and reads straight to the old primary
            List<Integer> writeStatuses = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                writeStatuses.add(http.send(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/late-" + i))
                        .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofString("late")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/during-" + (i % 50)))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (read.headers().firstValue("X-KV-Role").orElse("").equals("primary")) {
                    assertThat(read.statusCode()).as("a read answered as primary by the deposed store must not be stale")
                            .isEqualTo(200);
                }
            }
            for (CompletableFuture<HttpResponse<String>> write : queued) {
                writeStatuses.add(write.join().statusCode());
            }
            System.out.println("statuses from the deposed primary after SIGCONT: " + writeStatuses);
            assertThat(writeStatuses).as("the deposed primary acknowledged a write").doesNotContain(200);

            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                JsonNode status = fixture.status(old);
                assertThat(status.path("role").asText()).isEqualTo("secondary");
                assertThat(status.path("epoch").asLong()).isGreaterThan(oldEpoch);
                assertThat(status.path("following").asBoolean()).isTrue();
            });
            System.out.printf("deposed primary followed the new one %d ms after SIGCONT%n",
                    (System.nanoTime() - wokeAt) / 1_000_000);
            // none of its late writes exist anywhere; everything acknowledged does
            fixture.awaitHealthy();
            for (NodeProcess node : fixture.cluster.nodes()) {
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                    for (int i = 0; i < 20; i++) {
                        assertThat(fixture.client.get(node.httpUrl(), "late-" + i).value()).isEmpty();
                        assertThat(fixture.client.get(node.httpUrl(), "queued-" + i).value()).isEmpty();
                    }
                    for (int i = 0; i < 50; i++) {
                        assertThat(fixture.client.get(node.httpUrl(), "before-" + i).value()).isPresent();
                        assertThat(fixture.client.get(node.httpUrl(), "during-" + i).value()).isPresent();
                    }
                });
            }
        }
    }
}
