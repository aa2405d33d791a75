package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: with the default memory budget (half the heap) and a small heap, a store whose data fills
 * its budget takes a snapshot from the primary without running out of heap. The returning secondary
 * holds a full data set when the snapshot arrives, so a snapshot install that builds the new data
 * beside the old needs twice the budget: a whole heap, and {@code OutOfMemoryError} (the store exits).
 */
class FullStoreSnapshotIT {

    private static final int HEAP_MB = 128;
    private static final int VALUE_BYTES = 4096;

    @Test
    void a_full_store_behind_the_compacted_log_installs_the_primarys_snapshot_within_its_heap() throws Exception {
        LocalClusterSettings settings = LocalClusterSettings.defaults(3).withRestart(false).withHeapMb(HEAP_MB)
                .with("kv.snapshot-every-entries", "2000").with("kv.snapshot-growth-percent", "0").with("kv.log-retention-entries", "100");
        try (ClusterFixture fixture = new ClusterFixture("full-snapshot", settings).start()) {
            NodeProcess primary = fixture.primary();
            Set<String> keys = fillToTheBudget(primary, (byte) 1);
            long limit = fixture.status(primary).path("memoryLimitBytes").asLong();
            long used = fixture.status(primary).path("memoryUsedBytes").asLong();
            System.out.printf("filled %d keys of %d bytes: %d of %d budget bytes used (heap %d MiB)%n", keys.size(),
                    VALUE_BYTES, used, limit, HEAP_MB);
            assertThat(used).as("the data fills its budget").isGreaterThan(limit * 9 / 10);

            NodeProcess behind = fixture.secondaries().get(0);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fixture.status(behind)
                    .path("appliedOffset").asLong()).isGreaterThanOrEqualTo(keys.size()));
            behind.kill();
            // every key again, with new values of the same size: the data stays at the budget, and the
            // log is compacted past where the stopped store's log ends
            overwrite(primary, keys, (byte) 2);
            long primaryLast = fixture.status(primary).path("lastOffset").asLong();

            fixture.cluster.start(behind);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .untilAsserted(() -> {
                        assertThat(behind.alive()).as(behind.name() + " process alive").isTrue();
                        assertThat(fixture.status(behind).path("appliedOffset").asLong()).isGreaterThanOrEqualTo(primaryLast);
                    });
            String log = Files.readString(fixture.dir.resolve(behind.name() + ".log"));
            assertThat(log).as("the store took a snapshot from the primary").contains("installed a snapshot from the primary");
            assertThat(log).doesNotContain("OutOfMemoryError");
            assertThat(behind.alive()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            for (String key : keys.stream().limit(200).toList()) {
                HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(behind.httpUrl() + "/v1/kv/" + key))
                        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(answer.statusCode()).as(key).isEqualTo(200);
                assertThat(answer.body()[0]).as(key + " holds the overwritten value").isEqualTo((byte) 2);
            }
        }
    }

    /** Writes new keys from 16 writers until the primary refuses them as past its budget; the acknowledged keys. */
    private static Set<String> fillToTheBudget(NodeProcess primary, byte fill) throws InterruptedException {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicLong refused = new AtomicLong();
        runWriters(() -> {
            HttpClient client = HttpClient.newHttpClient();
            while (refused.get() < 50) {
                String key = "k" + next.getAndIncrement();
                int status = put(client, primary, key, fill);
                if (status == 200) {
                    acknowledged.add(key);
                } else if (status == 507) {
                    refused.incrementAndGet();
                } else {
                    throw new AssertionError("unexpected " + status + " while filling");
                }
            }
        });
        return acknowledged;
    }

    private static void overwrite(NodeProcess primary, Set<String> keys, byte fill) throws InterruptedException {
        List<String> all = List.copyOf(keys);
        AtomicInteger next = new AtomicInteger();
        runWriters(() -> {
            HttpClient client = HttpClient.newHttpClient();
            for (int i = next.getAndIncrement(); i < all.size(); i = next.getAndIncrement()) {
                int status = put(client, primary, all.get(i), fill);
                if (status != 200) {
                    throw new AssertionError("overwriting " + all.get(i) + " at the same size answered " + status);
                }
            }
        });
    }

    private static int put(HttpClient client, NodeProcess primary, String key, byte fill) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, fill);
        try {
            return client.send(HttpRequest.newBuilder(URI.create(primary.httpUrl() + "/v1/kv/" + key))
                    .timeout(Duration.ofSeconds(10)).PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new AssertionError("writing " + key + ": " + e, e);
        }
    }

    private static void runWriters(Runnable writer) throws InterruptedException {
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Thread> threads = java.util.stream.IntStream.range(0, 16).mapToObj(i -> new Thread(() -> {
            try {
                writer.run();
            } catch (Throwable t) {
                failures.add(t);
            }
        })).toList();
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }
}
