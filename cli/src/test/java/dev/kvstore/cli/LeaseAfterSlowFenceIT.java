package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fences of a failover run in parallel and some finish late. Until its own fence, a secondary
 * goes on acknowledging the old primary's heartbeats, which renews the old primary's read lease. A
 * new primary that counted its lease wait from its own (early) fence could commit a write while the
 * old primary, frozen and then woken, still held a lease and answered a read without that write.
 * Here the failover is driven step by step with one fence a whole lease late.
 */
class LeaseAfterSlowFenceIT {

    private static final long LEASE_MILLIS = 2_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void a_woken_old_primary_refuses_the_read_that_a_new_term_already_overwrote() throws Exception {
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
            fixture.client.put("k", "old".getBytes());
            long epoch = fixture.cluster.supervisor().epoch() + 1;

            admin.fence(early.httpUrl(), epoch);
            // a slow fence: the other secondary keeps acknowledging the old primary for longer than a lease
            await().pollDelay(Duration.ofMillis(LEASE_MILLIS + 1_000)).until(() -> true);
            old.signal("STOP");
            admin.fence(late.httpUrl(), epoch);
            admin.promote(early.httpUrl(), epoch, false);
            admin.follow(late.httpUrl(), epoch, early.replicationAddress(), early.httpUrl());

            KvClient toNewPrimary = new KvClient(List.of(early.httpUrl()), Duration.ofSeconds(5));
            toNewPrimary.putWithRetry("k", "new".getBytes(), Duration.ofSeconds(10));
            old.signal("CONT");
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(URI.create(old.httpUrl() + "/v1/kv/k"))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

            System.out.printf("woken old primary answered %d %s (role %s)%n", read.statusCode(), read.body(),
                    read.headers().firstValue("X-KV-Role").orElse("?"));
            assertThat(read.statusCode() == 200 && read.body().equals("old"))
                    .as("the woken old primary served the value the new term had overwritten: %s", read.body())
                    .isFalse();
            assertThat(read.statusCode()).as("it refuses rather than answer without a lease").isEqualTo(503);
            assertThat(toNewPrimary.get(early.httpUrl(), "k").value()).hasValueSatisfying(
                    value -> assertThat(new String(value)).isEqualTo("new"));
        }
    }
}
