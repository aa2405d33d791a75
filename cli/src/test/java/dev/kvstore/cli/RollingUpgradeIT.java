package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * A rolling update from the previous release (the last before log formats were negotiated; built
 * by hack/previous-release.sh, which ./test runs) to this checkout's store, and a rollback, one store
 * at a time under continuous writes, secondaries first, as the operator's rolling update goes. The
 * stores are real processes of both releases on loopback; every acknowledged write is read back.
 */
class RollingUpgradeIT {

    private static final String HOST = "127.0.0.1";

    static Path previousRelease() {
        String given = System.getenv("KV_PREVIOUS_STORE_JAR");
        if (given == null || given.isBlank() || !Files.exists(Path.of(given))) {
            throw new IllegalStateException("the previous release's store is missing (KV_PREVIOUS_STORE_JAR=" + given
                    + "): run hack/previous-release.sh, which ./test runs, and export its output");
        }
        return Path.of(given);
    }

    private static Path currentRelease() {
        return Path.of(System.getProperty("kv.store.jar"));
    }

    /** Replaces one store's process with {@code jar}'s on the same data, as a pod's update does. */
    private static void restartOn(ClusterFixture fixture, NodeProcess node, Path jar) throws Exception {
        fixture.cluster.runRelease(node, jar);
        node.kill();
        fixture.cluster.start(node);
        fixture.awaitHealthy();
    }

    private static void assertEveryAcknowledgedWriteIsOnThePrimary(ClusterFixture fixture, Map<String, KvClient.Ack> acknowledged)
            throws Exception {
        NodeProcess primary = fixture.primary();
        List<String> lost = new ArrayList<>();
        for (var entry : acknowledged.entrySet()) {
            Optional<byte[]> value = fixture.client.get(primary.httpUrl(), entry.getKey()).value();
            if (value.isEmpty() || !new String(value.get()).equals(new String(LoadGenerator.value(entry.getKey())))) {
                lost.add(entry.getKey() + " (acked at " + entry.getValue() + ")");
            }
        }
        assertThat(lost).as("acknowledged writes missing; supervisor said: " + fixture.events).isEmpty();
    }

    @Test
    void a_rolling_update_keeps_every_write_and_multi_key_writes_wait_until_no_older_store_streams() throws Exception {
        Path previous = previousRelease();
        try (ClusterFixture fixture = new ClusterFixture("upgrade", LocalClusterSettings.defaults(3))) {
            fixture.cluster.nodes().forEach(node -> fixture.cluster.runRelease(node, previous));
            fixture.start();
            Map<String, KvClient.Ack> acknowledged;
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "up")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > 100);
                NodeProcess oldPrimary = fixture.primary();
                for (NodeProcess secondary : fixture.secondaries()) {
                    restartOn(fixture, secondary, currentRelease());
                    // an older primary refuses the Hello that names a format: the new store fell back
                    assertThat(Files.readString(secondary.logFile()))
                            .contains("is an older release: following it with log format 1");
                }
                // the old primary's pod goes: a new store takes over, and the old one comes back on its old
                // release first (not yet updated): while it streams, a write of several keys is refused
                oldPrimary.kill();
                fixture.cluster.start(oldPrimary);
                fixture.awaitHealthy();
                assertThat(fixture.primary()).isNotSameAs(oldPrimary);
                int before = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > before + 100);
                try (Jedis jedis = new Jedis(HOST, fixture.primary().respPort())) {
                    assertThatThrownBy(() -> jedis.mset("up:m1", "1", "up:m2", "2"))
                            .hasMessageStartingWith("TRYAGAIN").hasMessageContaining(oldPrimary.name() + " (format 1)");
                    assertThat(jedis.exists("up:m1")).isFalse();
                    assertThat(jedis.set("up:single", "x")).isEqualTo("OK");
                    assertThat(jedis.waitReplicas(2, 5000)).as("the older store follows single-key writes").isEqualTo(2);
                }
                try (Jedis older = new Jedis(HOST, oldPrimary.respPort())) {
                    assertThat(older.get("up:single")).isEqualTo("x");
                }
                // the last store updated: writes of several keys go to every store
                restartOn(fixture, oldPrimary, currentRelease());
                try (Jedis jedis = new Jedis(HOST, fixture.primary().respPort())) {
                    assertThat(jedis.mset("up:m1", "1", "up:m2", "2")).isEqualTo("OK");
                    assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
                }
                for (NodeProcess secondary : fixture.secondaries()) {
                    try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                        assertThat(jedis.mget("up:m1", "up:m2")).containsExactly("1", "2");
                    }
                }
                int after = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > after + 100);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
            }
            assertEveryAcknowledgedWriteIsOnThePrimary(fixture, acknowledged);
            System.out.printf("rolling update previous -> current: %d acknowledged writes, all present%n",
                    acknowledged.size());
        }
    }

    @Test
    void with_kv_log_format_1_a_rollback_to_the_previous_release_keeps_every_write() throws Exception {
        Path previous = previousRelease();
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).with("kv.log-format", "1");
        try (ClusterFixture fixture = new ClusterFixture("rollback", settings).start()) {
            Map<String, KvClient.Ack> acknowledged;
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "down")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > 100);
                try (Jedis jedis = new Jedis(HOST, fixture.primary().respPort())) {
                    assertThatThrownBy(() -> jedis.mset("down:m1", "1", "down:m2", "2"))
                            .hasMessageContaining("kv.log-format 1");
                    assertThat(jedis.exists("down:m1")).isFalse();
                }
                NodeProcess primary = fixture.primary();
                for (NodeProcess secondary : fixture.secondaries()) {
                    restartOn(fixture, secondary, previous);
                }
                restartOn(fixture, primary, previous);
                int after = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > after + 100);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
            }
            assertEveryAcknowledgedWriteIsOnThePrimary(fixture, acknowledged);
            for (NodeProcess node : fixture.cluster.nodes()) {
                assertThat(Files.readString(node.logFile())).as(node.name() + " cut nothing from its log")
                        .doesNotContain("cutting");
            }
            System.out.printf("rollback current -> previous with kv.log-format 1: %d acknowledged writes, all present%n",
                    acknowledged.size());
        }
    }
}
