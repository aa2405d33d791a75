package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients of both protocols on shared keys while store processes are killed and frozen: every
 * operation is recorded (invocation, completion, outcome) and the whole history must be
 * linearizable (porcupine, through hack/lincheck). After the faults, every key is read back from
 * the primary into the same history, so a write acknowledged and then lost fails the check too.
 * {@code -Dkv.lin.seconds} (default 40) sets how long faults run, {@code -Dkv.lin.seed} replays one.
 */
class LinearizabilityIT {

    @Test
    void histories_under_kills_and_pauses_of_primary_and_secondaries_are_linearizable() throws Exception {
        long seed = Long.getLong("kv.lin.seed", System.nanoTime());
        int seconds = Integer.getInteger("kv.lin.seconds", 40);
        System.out.println("linearizability: seed " + seed + " (-Dkv.lin.seed to replay), " + seconds + " s of faults");
        History history = new History();
        ProcessFaults faults;
        try (ClusterFixture fixture = new ClusterFixture("lin", LocalClusterSettings.defaults(3)).start()) {
            List<NodeProcess> stores = fixture.cluster.nodes();
            try (Workload workload = new Workload()) {
                for (int i = 0; i < 3; i++) {
                    workload.start("http-" + i, new HttpClientLoop("http-" + i, stores, history, workload, seed + i));
                }
                for (NodeProcess store : stores) {
                    String name = "http-pinned-to-" + store.name();
                    workload.start(name, HttpClientLoop.pinnedTo(store, name, history, workload, seed + 20 + stores.indexOf(store)));
                }
                for (int i = 0; i < 2; i++) {
                    workload.start("jedis-" + i, new RespClientLoop("jedis-" + i, stores, history, workload, seed + 10 + i));
                }
                faults = new ProcessFaults(fixture, seed);
                faults.runUntil(System.nanoTime() + Duration.ofSeconds(seconds).toNanos());
                workload.close();
                readEveryKeyBackFromThePrimary(fixture, history, workload.everyKey());
            }
        }

        Lincheck.Verdict verdict = Lincheck.check(history, Lincheck.artifacts(), "process-faults");
        System.out.println("linearizability: " + verdict + "; faults " + faults.done + "; history: "
                + history.count(History.Outcome.OK) + " ok, " + history.count(History.Outcome.UNKNOWN) + " unknown, "
                + history.count(History.Outcome.FAIL) + " failed");
        assertThat(verdict.linearizable()).as(verdict + "\nfaults:\n" + String.join("\n", faults.log)).isTrue();
        // a history too thin to show anything would pass vacuously
        assertThat(faults.done).as("faults injected").containsOnlyKeys(ProcessFaults.Kind.values());
        assertThat(history.count(History.Outcome.OK)).as("operations answered").isGreaterThan(1_000);
    }

    /** The final state of every key, read from the primary (under its lease) after the faults. */
    private static void readEveryKeyBackFromThePrimary(ClusterFixture fixture, History history, List<String> keys) {
        fixture.awaitHealthy();
        HttpClient http = HttpClient.newHttpClient();
        for (String key : keys) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
                NodeProcess primary = fixture.primary();
                History.Op op = history.invoke("final-read", "get", key, null);
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(primary.httpUrl() + "/v1/kv/" + key))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                boolean asPrimary = "primary".equals(response.headers().firstValue("X-KV-Role").orElse(""));
                if (asPrimary && (response.statusCode() == 200 || response.statusCode() == 404)) {
                    op.ok(response.statusCode() == 404 ? null : new String(response.body(), StandardCharsets.UTF_8), primary.name());
                    return true;
                }
                op.fail(primary.name());
                return false;
            });
        }
    }
}
