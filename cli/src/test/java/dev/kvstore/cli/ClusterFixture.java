package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalCluster;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local cluster of real store processes on loopback for one test, in a fresh directory and on
 * free ports, with the supervisor's events kept for the failure message.
 */
public final class ClusterFixture implements AutoCloseable {

    final Path dir;
    public final LocalCluster cluster;
    final List<String> events = new CopyOnWriteArrayList<>();
    public final KvClient client;

    public ClusterFixture(String name, LocalClusterSettings settings) throws IOException {
        this(Files.createTempDirectory("kv-" + name), settings, freeBasePort(settings.nodes()));
    }

    /** Stores placed by {@code placement} (network namespaces of a fault test) instead of on loopback. */
    public ClusterFixture(String name, LocalClusterSettings settings,
                          java.util.function.IntFunction<NodeProcess.Placement> placement) throws IOException {
        this(Files.createTempDirectory("kv-" + name), settings, freeBasePort(settings.nodes()), placement);
    }

    /** Stores in {@code dir} (whose kv-N directories may be mounts made beforehand), placed by {@code placement}. */
    public ClusterFixture(Path dir, LocalClusterSettings settings,
                          java.util.function.IntFunction<NodeProcess.Placement> placement) throws IOException {
        this(dir, settings, freeBasePort(settings.nodes()), placement);
    }

    ClusterFixture(Path dir, LocalClusterSettings settings, int basePort) throws IOException {
        this(dir, settings, basePort, i -> NodeProcess.Placement.LOOPBACK);
    }

    private ClusterFixture(Path dir, LocalClusterSettings settings, int basePort,
                           java.util.function.IntFunction<NodeProcess.Placement> placement) throws IOException {
        this.dir = dir;
        String jar = System.getProperty("kv.store.jar");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("store binary missing (" + jar + "): build with `mvn package` first");
        }
        this.cluster = new LocalCluster(dir, Path.of(jar), basePort, settings, line -> {
            events.add(line);
            System.out.println("[supervisor] " + line);
        }, placement);
        this.client = dev.kvstore.cli.local.LocalTls.trustedBy(new KvClient(cluster.urls(), Duration.ofSeconds(8)), settings);
    }

    int basePort() {
        return Integer.parseInt(cluster.urls().get(0).substring(cluster.urls().get(0).lastIndexOf(':') + 1));
    }

    public ClusterFixture start() throws Exception {
        cluster.start();
        awaitHealthy();
        return this;
    }

    public NodeProcess primary() {
        return cluster.supervisor().primary();
    }

    public List<NodeProcess> secondaries() {
        List<NodeProcess> others = new ArrayList<>(cluster.nodes());
        others.remove(primary());
        return others;
    }

    public JsonNode status(NodeProcess node) throws IOException {
        return client.status(node.httpUrl());
    }

    /** Every store up, one primary, every other store streaming from it in the current epoch. */
    public void awaitHealthy() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().untilAsserted(() -> {
            NodeProcess primary = primary();
            assertThat(primary).isNotNull();
            long epoch = cluster.supervisor().epoch();
            for (NodeProcess node : cluster.nodes()) {
                JsonNode status = status(node);
                assertThat(status.path("epoch").asLong()).as(node.name() + " epoch").isEqualTo(epoch);
                if (node == primary) {
                    assertThat(status.path("role").asText()).isEqualTo("primary");
                } else {
                    assertThat(status.path("role").asText()).as(node.name() + " role").isEqualTo("secondary");
                    assertThat(status.path("following").asBoolean()).as(node.name() + " following").isTrue();
                }
            }
        });
    }

    static int freeBasePort(int nodes) {
        for (int attempt = 0; attempt < 200; attempt++) {
            // below the kernel's ephemeral range (32768 and up here): an outgoing connection's local port
            // can take a port there between this check and the store's bind
            int base = 20_000 + (int) (Math.random() * 12_000);
            // every kind of port a store of a local cluster opens (NodeProcess.Ports): HTTP, replication,
            // Redis, admin, metrics
            if (allFree(base, nodes) && allFree(base + 100, nodes) && allFree(base + 200, nodes)
                    && allFree(base + 300, nodes) && allFree(base + 400, nodes)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range found");
    }

    private static boolean allFree(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        cluster.close();
    }
}
