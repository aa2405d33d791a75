package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The cluster secret (replication handshakes, admin calls) rotated under writes with {@code kv rotate-secret}
 * (the packaged command, in a process of its own), on real store processes that read their secret file
 * again: no store restarts, no write is refused, every acknowledged write is there, the old secret opens
 * nothing afterwards (connections made with it are closed and made again), and the supervisor fails over
 * with the new one.
 */
class SecretRotationIT {

    @Test
    void the_cluster_secret_is_rotated_under_writes_without_a_refused_or_lost_write() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("rotate", LocalClusterSettings.defaults(3)).start()) {
            String old = fixture.cluster.secret();
            List<Long> pids = fixture.cluster.nodes().stream().map(NodeProcess::pid).toList();
            for (NodeProcess node : fixture.cluster.nodes()) {
                assertThat(fingerprints(fixture.status(node))).containsExactly(ClusterSecrets.fingerprint(old));
            }
            Map<String, KvClient.Ack> acknowledged;
            Duration longestPause;
            long failures;
            List<String> refusals;
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "rot")) {
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > 200);

                KvCommand.Run rotation = KvCommand.run(Map.of(), "rotate-secret", "--dir", fixture.dir.toString());

                assertThat(rotation.exit()).as(rotation.out() + rotation.err()).isZero();
                System.out.print(rotation.out());
                // the primary closes the secondaries' connections made with the old secret, one at a time, each
                // while the other covers the sync writes; they connect again with the new one
                java.nio.file.Path primaryLog = fixture.dir.resolve(fixture.primary().name() + ".log");
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(primaryLog)
                        .split("the cluster secret it proved is no longer held", -1).length - 1 == 2);
                int afterRotation = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > afterRotation + 200);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
                longestPause = load.longestPause();
                failures = load.failures.get();
                refusals = List.copyOf(load.failureSamples);
            }
            String rotated = fixture.cluster.secret();
            assertThat(rotated).isNotEqualTo(old);
            assertThat(Files.readString(fixture.dir.resolve("secret")).strip()).isEqualTo(rotated);
            for (NodeProcess node : fixture.cluster.nodes()) {
                assertThat(fingerprints(fixture.status(node))).as(node.name())
                        .containsExactly(ClusterSecrets.fingerprint(rotated));
            }
            assertThat(fixture.cluster.nodes().stream().map(NodeProcess::pid).toList()).as("no store restarted")
                    .isEqualTo(pids);
            System.out.printf("secret rotated under 4 writers: %d writes acknowledged, %d refused, longest pause %d ms%n",
                    acknowledged.size(), failures, longestPause.toMillis());
            assertThat(failures).as("writes refused during the rotation, the first ones: " + refusals).isZero();
            assertEveryWriteIsOnThePrimary(fixture, acknowledged);
            // the secondaries follow again with the new secret (their old connections were closed)
            fixture.awaitHealthy();

            for (NodeProcess node : fixture.cluster.nodes()) {
                AdminClient byOld = new AdminClient(old, Duration.ofSeconds(5));
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> byOld.status(node.adminUrl()))
                        .as("the old secret opens the admin API of " + node.name())
                        .isInstanceOfSatisfying(AdminClient.AdminCallException.class,
                                e -> assertThat(e.status()).isEqualTo(401));
                assertThat(new AdminClient(rotated, Duration.ofSeconds(5)).status(node.adminUrl()).nodeId())
                        .isEqualTo(node.name());
            }

            // the supervisor signs with the new secret: a failover works
            NodeProcess victim = fixture.primary();
            long epoch = fixture.cluster.supervisor().epoch();
            victim.kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> fixture.cluster.supervisor().epoch() > epoch
                    && fixture.primary() != null && fixture.primary() != victim);
            assertEveryWriteIsOnThePrimary(fixture, acknowledged);
        }
    }

    private static List<String> fingerprints(JsonNode status) {
        List<String> fingerprints = new ArrayList<>();
        status.path("secretFingerprints").forEach(f -> fingerprints.add(f.asText()));
        return fingerprints;
    }

    private static void assertEveryWriteIsOnThePrimary(ClusterFixture fixture, Map<String, KvClient.Ack> acknowledged)
            throws Exception {
        List<String> lost = new ArrayList<>();
        for (String key : acknowledged.keySet()) {
            Optional<byte[]> value = fixture.client.get(fixture.primary().httpUrl(), key).value();
            if (value.isEmpty() || !new String(value.get()).equals(new String(LoadGenerator.value(key)))) {
                lost.add(key);
            }
        }
        assertThat(lost).as("acknowledged writes missing; supervisor said: " + fixture.events).isEmpty();
    }
}
