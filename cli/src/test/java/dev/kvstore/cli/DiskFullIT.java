package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: data volumes that fill up. Each of the three stores of a local cluster has a small tmpfs of
 * its own (volumes of one size, as a StatefulSet's are), and they take snapshots and compact their logs
 * as they fill: writes are refused with 507 and Redis's MISCONF words before any write can fail
 * half-way, no store loses its disk (none stops), nothing acknowledged is lost, the primary stays, and
 * a failover onto stores just as full refuses the same way.
 */
class DiskFullIT {

    private static final int VALUE_BYTES = 8 * 1024;
    private static final String VOLUME_SIZE = "32m";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private HttpResponse<String> put(String url, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url + "/v1/kv/" + key)).timeout(Duration.ofSeconds(10))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[VALUE_BYTES])).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void a_full_volume_refuses_writes_cleanly_and_a_failover_does_not_pretend_to_fix_it() throws Exception {
        Path cluster = Files.createTempDirectory("kv-small-volumes");
        List<Path> volumes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Path volume = Files.createDirectories(cluster.resolve("kv-" + i));
                mountTmpfs(volume);
                volumes.add(volume);
            }
            // 6 MiB of each 32 MiB volume kept in reserve; a snapshot every 300 entries at least (and, with the
            // default growth rule, sooner once the volume is nearly full), 100 kept behind it
            LocalClusterSettings settings = LocalClusterSettings.defaults(3).with("kv.min-free-disk", "6m")
                    .with("kv.snapshot-every-entries", "300").with("kv.log-retention-entries", "100");
            try (ClusterFixture fixture = new ClusterFixture(cluster, settings, ClusterFixture.freeBasePort(3)).start()) {
                NodeProcess primary = fixture.primary();
                long epoch = fixture.cluster.supervisor().epoch();
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                List<String> refusals = new ArrayList<>();
                for (int i = 0; refusals.size() < 20 && i < 10_000; i++) {
                    HttpResponse<String> answer = put(primary.httpUrl(), "fill-" + i);
                    if (answer.statusCode() == 200) {
                        acknowledged.add("fill-" + i);
                    } else {
                        refusals.add(answer.statusCode() + " " + answer.body());
                    }
                }
                System.out.printf("volume %s: %d writes of %d bytes acknowledged, then refused: %s%n", VOLUME_SIZE,
                        acknowledged.size(), VALUE_BYTES, refusals.get(0));
                assertThat(acknowledged).as("writes before the volume filled").hasSizeGreaterThan(100);
                assertThat(refusals).allSatisfy(refusal -> assertThat(refusal).startsWith("507")
                        .contains("MISCONF").contains("nearly full"));
                var status = fixture.status(primary);
                assertThat(status.path("diskFailure").isNull() || status.path("diskFailure").isMissingNode())
                        .as("the primary's disk never failed: " + status).isTrue();
                assertThat(status.path("diskFreeBytes").asLong()).isLessThan(status.path("diskReserveBytes").asLong());
                assertThat(fixture.primary()).as("the primary stays primary").isSameAs(primary);
                assertThat(fixture.cluster.supervisor().epoch()).isEqualTo(epoch);
                assertEveryAcknowledgedWriteOnEveryStore(fixture, acknowledged);

                // a failover onto volumes as full refuses the same way once its own volume has no room above the
                // reserve (a store that compacted its log since may take a few writes first: room is room); deletes
                // still work there
                primary.kill();
                await().atMost(Duration.ofSeconds(10)).until(() -> fixture.primary() != primary);
                List<String> refusedAfter = new ArrayList<>();
                int beforeFailover = acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                    for (int i = 0; refusedAfter.isEmpty() && i < 1_000; i++) {
                        String key = "after-failover-" + i + "-" + System.nanoTime();
                        HttpResponse<String> answer = put(fixture.primary().httpUrl(), key);
                        if (answer.statusCode() == 200) {
                            acknowledged.add(key);
                        } else {
                            refusedAfter.add(answer.statusCode() + " " + answer.body());
                        }
                    }
                    assertThat(refusedAfter).as("the new primary's volume filled too").isNotEmpty();
                });
                assertThat(refusedAfter.get(0)).startsWith("507").contains("MISCONF").contains("nearly full");
                System.out.printf("after the failover: %d more writes acknowledged before the refusal%n",
                        acknowledged.size() - beforeFailover);
                KvClient client = new KvClient(fixture.cluster.urls(), Duration.ofSeconds(5));
                String deleted = acknowledged.iterator().next();
                client.delete(deleted);
                acknowledged.remove(deleted);
                assertThat(client.get(deleted).value()).isEmpty();
                fixture.awaitHealthy();
                for (NodeProcess node : fixture.cluster.nodes()) {
                    assertThat(fixture.status(node).path("diskFailure").isNull()
                            || fixture.status(node).path("diskFailure").isMissingNode())
                            .as(node.name() + " lost its disk").isTrue();
                }
                assertEveryAcknowledgedWriteOnEveryStore(fixture, acknowledged);
            }
        } finally {
            for (Path volume : volumes) {
                new ProcessBuilder("umount", "-l", volume.toString()).inheritIO().start().waitFor();
            }
        }
    }

    /** A size-limited tmpfs; needs root (CI and the dev machine run as root), and says so when it fails. */
    private static void mountTmpfs(Path dir) throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + VOLUME_SIZE, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String output = new String(mount.getInputStream().readAllBytes());
        if (mount.waitFor() != 0) {
            throw new IllegalStateException("DiskFullIT needs a small volume: `mount -t tmpfs` failed (run as root, "
                    + "with CAP_SYS_ADMIN): " + output);
        }
    }

    private static void assertEveryAcknowledgedWriteOnEveryStore(ClusterFixture fixture, Set<String> keys) {
        KvClient client = new KvClient(fixture.cluster.urls(), Duration.ofSeconds(5));
        for (NodeProcess node : fixture.cluster.nodes()) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                for (String key : keys) {
                    assertThat(client.get(node.httpUrl(), key).value()).as(key + " on " + node.name()).isPresent();
                }
            });
        }
    }
}
