package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The fences of a failover run in parallel and some finish late. Until its own fence, a secondary
 * goes on acknowledging the old primary's heartbeats, which renews the old primary's read lease. A
 * new primary that counted its lease wait from its own (early) fence could commit a write while the
 * old primary still held a lease and answered a read without that write. Here the failover is driven
 * step by step with one fence a whole lease late, and that late secondary's link to the old primary
 * goes through a proxy that partitions it silently just before its fence: the old primary never
 * hears that the secondary left (no FIN), exactly as across a network partition.
 */
class LeaseAfterSlowFenceIT {

    private static final long LEASE_MILLIS = 2_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void the_old_primary_refuses_the_read_that_a_new_term_already_overwrote() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3)
                .with("kv.lease-millis", Long.toString(LEASE_MILLIS));
        try (ClusterFixture fixture = new ClusterFixture("lease", settings).start()) {
            // the test plays the supervisor from here on
            fixture.cluster.supervisor().close();
            NodeProcess old = fixture.primary();
            List<NodeProcess> secondaries = fixture.secondaries().stream()
                    .sorted(Comparator.comparing(NodeProcess::name)).toList();
            NodeProcess early = secondaries.get(0);
            NodeProcess late = secondaries.get(1);
            AdminClient admin = new AdminClient(fixture.cluster.secret(), Duration.ofSeconds(5));
            long oldEpoch = fixture.cluster.supervisor().epoch();
            try (PartitionableProxy proxy = new PartitionableProxy(old.replicationAddress())) {
                admin.follow(late.adminUrl(), oldEpoch, proxy.address(), old.httpUrl());
                await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                        fixture.status(late).path("following").asBoolean()
                                && proxy.address().equals(fixture.status(late).path("primary").asText()));
                fixture.client.put("k", "old".getBytes());
                long epoch = oldEpoch + 1;

                admin.fence(early.adminUrl(), epoch);
                // a slow fence: the other secondary keeps acknowledging the old primary for longer than a lease
                await().pollDelay(Duration.ofMillis(LEASE_MILLIS + 1_000)).until(() -> true);
                proxy.partition();
                admin.fence(late.adminUrl(), epoch);
                admin.promote(early.adminUrl(), epoch, false);
                admin.follow(late.adminUrl(), epoch, early.replicationAddress(), early.httpUrl());

                KvClient toNewPrimary = new KvClient(List.of(early.httpUrl()), Duration.ofSeconds(5));
                toNewPrimary.putWithRetry("k", "new".getBytes(), Duration.ofSeconds(10));
                HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/k"))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

                System.out.printf("old primary answered %d %s (role %s)%n", read.statusCode(), read.body(),
                        read.headers().firstValue("X-KV-Role").orElse("?"));
                assertThat(read.statusCode() == 200 && read.body().equals("old"))
                        .as("the old primary served the value the new term had overwritten: %s", read.body())
                        .isFalse();
                assertThat(read.statusCode()).as("it refuses rather than answer without a lease").isEqualTo(503);
                assertThat(toNewPrimary.get(early.httpUrl(), "k").value()).hasValueSatisfying(
                        value -> assertThat(new String(value)).isEqualTo("new"));
            }
        }
    }

    /**
     * A TCP proxy to one address that can be partitioned: from then on it forwards nothing either way
     * and closes nothing, so neither side learns the other is gone.
     */
    private static final class PartitionableProxy implements AutoCloseable {
        private final ServerSocket server;
        private final String target;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private volatile boolean partitioned;

        PartitionableProxy(String target) throws IOException {
            this.target = target;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "proxy-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        void partition() {
            partitioned = true;
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    int colon = target.lastIndexOf(':');
                    Socket upstream = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void pump(Socket from, Socket to) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[65536];
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        if (!partitioned) {
                            out.write(buffer, 0, n);
                        }
                    }
                    if (!partitioned) {
                        to.close();
                    }
                } catch (IOException e) {
                    // the test ended or a side went away
                }
            }, "proxy-pump");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
