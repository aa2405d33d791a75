package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A store fenced for maintenance (what {@code kubectl kv fence} asks of it), with three real store processes and the
 * supervision code the operator shares: it follows no one, serves no read, is not ready, stays fenced across a restart,
 * is never promoted when the primary is lost, and once the fence is lifted follows again and holds every write.
 */
class MaintenanceFenceIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void a_fenced_secondary_serves_nothing_survives_a_restart_fenced_is_never_promoted_and_catches_up_once_unfenced()
            throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).withRestart(false);
        try (ClusterFixture fixture = new ClusterFixture("maintenance-fence", settings).start()) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                fixture.client.put("before-" + i, "v".getBytes());
                keys.add("before-" + i);
            }
            AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
            NodeProcess fenced = fixture.secondaries().get(0);
            NodeProcess other = fixture.secondaries().get(1);

            KvCommand.Run fence = KvCommand.run(Map.of(), "fence", "--dir", fixture.dir.toString(), fenced.name());
            assertThat(fence.exit()).as(fence.err()).isZero();
            assertThat(fence.out()).contains(fenced.name() + " is fenced for maintenance at offset");
            JsonNode answered = fixture.status(fenced);
            assertThat(answered.path("maintenanceFenced").asBoolean()).isTrue();
            assertThat(answered.path("following").asBoolean()).isFalse();
            long frozenAt = answered.path("lastOffset").asLong();
            KvCommand.Run both = KvCommand.run(Map.of(), "fence", "--dir", fixture.dir.toString(), other.name());
            assertThat(both.exit()).as("the last follower of a sync cluster").isNotZero();
            assertThat(both.err()).contains("would leave 0 secondaries following, fewer than minSyncReplicas 1");
            assertThat(fixture.status(other).path("following").asBoolean()).isTrue();

            for (int i = 0; i < 50; i++) {
                fixture.client.put("while-fenced-" + i, "v".getBytes());
                keys.add("while-fenced-" + i);
            }
            // the supervisor's passes (every 200 ms) tell every straggler to follow: never this one, over several passes
            await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> {
                        JsonNode status = fixture.status(fenced);
                        assertThat(status.path("maintenanceFenced").asBoolean()).isTrue();
                        assertThat(status.path("following").asBoolean()).isFalse();
                        assertThat(status.path("lastOffset").asLong()).as("the fenced store took no entry")
                                .isEqualTo(frozenAt);
                    });
            assertThat(get(fenced, "/health/ready").statusCode()).isEqualTo(503);
            assertThat(KvCommand.run(Map.of(), "status", "--dir", fixture.dir.toString()).out())
                    .contains("fenced for maintenance (kv unfence " + fenced.name() + ")");
            assertThatThrownBy(() -> fixture.client.get(fenced.httpUrl(), "before-1"))
                    .hasMessageContaining("answered 503").hasMessageContaining("fenced for maintenance");

            fenced.kill();
            fixture.cluster.start(fenced);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(fixture.status(fenced).path("maintenanceFenced").asBoolean()).isTrue());
            await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(fixture.status(fenced).path("following").asBoolean())
                            .as("fenced after its restart").isFalse());

            NodeProcess primary = fixture.primary();
            assertThatThrownBy(() -> admin.maintenanceFence(primary.adminUrl(), true))
                    .isInstanceOf(IOException.class).hasMessageContaining("switch over");
            // kv fence of the primary switches away first (LocalSwitchoverIT); with the other secondary fenced, the
            // store it would switch to is the last follower: refused before any switchover
            KvCommand.Run primaryFence = KvCommand.run(Map.of(), "fence", "--dir", fixture.dir.toString(), primary.name());
            assertThat(primaryFence.exit()).isNotZero();
            assertThat(primaryFence.err()).contains("fencing " + primary.name() + " would leave 0 secondaries following");
            assertThat(fixture.primary()).as("no switchover").isSameAs(primary);
            assertThat(fixture.status(primary).path("maintenanceFenced").asBoolean()).isFalse();

            KvCommand.Run unfenced = KvCommand.run(Map.of(), "unfence", "--dir", fixture.dir.toString(), fenced.name());
            assertThat(unfenced.exit()).as(unfenced.err()).isZero();
            assertThat(unfenced.out()).contains(fenced.name() + " is unfenced and follows");
            // caught up with everything, then fenced again with nothing written after: tied with the other secondary
            // (and the first by name, so a tie would go to it), it must still not be promoted when the primary is lost
            long last = fixture.status(primary).path("lastOffset").asLong();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(fixture.status(fenced).path("lastOffset").asLong()).isEqualTo(last));
            admin.maintenanceFence(fenced.adminUrl(), true);
            assertThat(fixture.status(fenced).path("lastOffset").asLong()).isEqualTo(last);
            assertThat(fixture.status(other).path("lastOffset").asLong()).isEqualTo(last);
            assertThat(fenced.name()).isLessThan(other.name());

            primary.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.primary() != primary);
            assertThat(fixture.primary()).isSameAs(other);
            assertThat(fixture.status(fenced).path("role").asText()).isNotEqualTo("primary");
            assertThat(fixture.status(fenced).path("maintenanceFenced").asBoolean()).isTrue();
            // sync writes need a following secondary: the old primary rejoins as one (the fenced store does not)
            fixture.cluster.start(primary);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                    assertThat(fixture.status(primary).path("following").asBoolean()).isTrue());
            for (int i = 0; i < 20; i++) {
                fixture.client.putWithRetry("after-failover-" + i, "v".getBytes(), Duration.ofSeconds(20));
                keys.add("after-failover-" + i);
            }

            KvCommand.Run unfence = KvCommand.run(Map.of(), "unfence", "--dir", fixture.dir.toString(), fenced.name());
            assertThat(unfence.exit()).as(unfence.err()).isZero();
            assertThat(unfence.out()).contains(fenced.name() + " is unfenced and follows");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                JsonNode now = fixture.status(fenced);
                assertThat(now.path("maintenanceFenced").asBoolean()).isFalse();
                assertThat(now.path("following").asBoolean()).isTrue();
                for (String key : keys) {
                    assertThat(fixture.client.get(fenced.httpUrl(), key).value()).as(key).isPresent();
                }
            });
        }
    }

    private HttpResponse<String> get(NodeProcess node, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).timeout(Duration.ofSeconds(5)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
