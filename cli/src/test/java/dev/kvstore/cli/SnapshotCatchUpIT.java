package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * Logs are compacted behind snapshots. A store that was away longer than the log remembers, or
 * that lost its disk, catches up from a snapshot sent by the primary, then from the log.
 */
class SnapshotCatchUpIT {

    @Test
    void a_store_behind_the_compacted_log_and_a_store_with_an_empty_disk_catch_up_by_snapshot() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).withRestart(false)
                .with("kv.snapshot-every-entries", "300").with("kv.log-retention-entries", "50");
        try (ClusterFixture fixture = new ClusterFixture("snapshot", settings).start()) {
            for (int i = 0; i < 100; i++) {
                fixture.client.put("early-" + i, ("e" + i).getBytes());
            }
            NodeProcess behind = fixture.secondaries().get(0);
            NodeProcess wiped = fixture.secondaries().get(1);
            behind.kill();
            // with one secondary down, writes still commit on the other (minSyncReplicas 1)
            for (int i = 0; i < 1000; i++) {
                fixture.client.put("while-away-" + i, ("w" + i).getBytes());
            }
            Path primaryDir = fixture.dir.resolve(fixture.primary().name());
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(primaryDir.resolve("snapshot")));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    fixture.status(fixture.primary()).path("lastOffset").asLong() > 1000);

            fixture.cluster.start(behind);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                assertThat(fixture.status(behind).path("following").asBoolean()).isTrue();
                assertThat(fixture.client.get(behind.httpUrl(), "while-away-999").value()).isPresent();
            });
            assertThat(Files.exists(fixture.dir.resolve(behind.name()).resolve("snapshot")))
                    .as("the returning store installed a snapshot").isTrue();

            wiped.kill();
            try (var walk = Files.walk(fixture.dir.resolve(wiped.name()))) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            fixture.cluster.start(wiped);
            fixture.awaitHealthy();
            for (NodeProcess node : fixture.cluster.nodes()) {
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                    for (int i = 0; i < 100; i++) {
                        assertThat(fixture.client.get(node.httpUrl(), "early-" + i).value()).as("early-" + i + " on " + node.name())
                                .hasValueSatisfying(v -> assertThat(v).isNotEmpty());
                    }
                    for (int i = 0; i < 1000; i++) {
                        assertThat(fixture.client.get(node.httpUrl(), "while-away-" + i).value())
                                .as("while-away-" + i + " on " + node.name()).isPresent();
                    }
                });
            }
            // the primary's log was really compacted
            long logBytes = bytesBeforeRoom(primaryDir.resolve("replication.log"));
            assertThat(logBytes).as("compacted log").isGreaterThan(0).isLessThan(1100L * 60);
        }
    }

    /** The log keeps zeroed room past its end (LogRoom in the store): its entries end at its last byte that is not zero. */
    private static long bytesBeforeRoom(Path log) throws java.io.IOException {
        byte[] bytes = Files.readAllBytes(log);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }
}
