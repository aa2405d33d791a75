package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kill -9 every store at once, start them again on the same disks: every acknowledged write is back. */
class RestartIT {

    @Test
    void every_acknowledged_write_is_there_after_all_processes_are_killed_and_restarted() throws Exception {
        Path dir = Files.createTempDirectory("kv-restart");
        int basePort = ClusterFixture.freeBasePort(3);
        Map<String, KvClient.Ack> acknowledged;
        long epochBefore;
        try (ClusterFixture fixture = new ClusterFixture(dir, LocalClusterSettings.defaults(3).withRestart(false), basePort)
                .start()) {
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 8, "restart")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged.size() > 1000);
                // kill -9 everything while the writers are still going
                fixture.cluster.nodes().forEach(NodeProcess::kill);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
            }
            epochBefore = fixture.cluster.supervisor().epoch();
        }
        try (ClusterFixture again = new ClusterFixture(dir, LocalClusterSettings.defaults(3), basePort).start()) {
            assertThat(again.cluster.supervisor().epoch()).isGreaterThan(epochBefore);
            for (NodeProcess node : again.cluster.nodes()) {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                    for (String key : acknowledged.keySet()) {
                        assertThat(again.client.get(node.httpUrl(), key).value()).as(key + " on " + node.name()).isPresent();
                    }
                });
            }
            System.out.println("after kill -9 of all 3 stores: " + acknowledged.size()
                    + " acknowledged writes present on every store");
        }
    }
}
