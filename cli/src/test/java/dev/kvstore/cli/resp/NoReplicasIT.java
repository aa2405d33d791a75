package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Redis's min-replicas-to-write: a synchronous primary with fewer good secondaries than
 * minSyncReplicas refuses a write at once, on both ports in the same words, and stores nothing.
 */
class NoReplicasIT {

    private static final String HOST = "127.0.0.1";

    @Test
    void without_a_good_secondary_a_write_is_refused_at_once_and_nothing_is_stored() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).withRestart(false);
        try (ClusterFixture fixture = new ClusterFixture("noreplicas", settings).start()) {
            NodeProcess primary = fixture.primary();
            for (NodeProcess secondary : fixture.secondaries()) {
                secondary.kill();
            }
            try (Jedis jedis = new Jedis(HOST, primary.respPort())) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThatThrownBy(() -> jedis.set("nr:probe", "v")).hasMessageStartingWith("NOREPLICAS"));
                long started = System.nanoTime();
                assertThatThrownBy(() -> jedis.set("nr:resp", "v"))
                        .hasMessageStartingWith("NOREPLICAS Not enough good replicas to write.");
                long millis = (System.nanoTime() - started) / 1_000_000;
                assertThat(millis).as("refused at once, not after the 5 s write timeout").isLessThan(1_000);
                HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(primary.httpUrl() + "/v1/kv/nr:http")).PUT(HttpRequest.BodyPublishers.ofString("v"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).isEqualTo(503);
                assertThat(put.body()).contains("Not enough good replicas to write.");

                NodeProcess back = fixture.secondaries().get(0);
                fixture.cluster.start(back);
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                        .until(() -> "OK".equals(jedis.set("nr:after", "v")));
                assertThat(jedis.get("nr:after")).isEqualTo("v");
                // read once a secondary renews the primary's read lease again
                assertThat(jedis.exists("nr:resp", "nr:http", "nr:probe")).as("nothing of the refused writes stored")
                        .isZero();
            }
        }
    }
}
