package dev.kvstore.cli.bench;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalCluster;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kv bench}: this store and Redis side by side in one run on this machine. Redis is Debian's
 * redis-server with one replica (no persistence, as shipped); we run a primary with one secondary,
 * every write fsynced. Synchronous writes compare with Redis SET + WAIT 1 0.
 */
@Command(name = "bench", description = "Benchmark against Redis on this machine (needs redis-server on PATH) and "
        + "measure failover time in local mode.")
public final class Bench implements Callable<Integer> {

    @Option(names = "--clients", split = ",", defaultValue = "1,10,50")
    int[] clientCounts;

    @Option(names = "--seconds", defaultValue = "5", description = "measured seconds per run (after a 3 s warm-up)")
    int seconds;

    @Option(names = "--failover-runs", defaultValue = "20")
    int failoverRuns;

    @Option(names = "--async-loss-runs", defaultValue = "10", description = "failovers in async mode, counting lost writes")
    int asyncLossRuns;

    @Option(names = "--dir", defaultValue = ".kv-bench")
    Path dir;

    @Option(names = "--store-jar", defaultValue = "${env:KV_STORE_JAR:-store/target/quarkus-app/quarkus-run.jar}")
    Path storeJar;

    @Option(names = "--out", description = "also write the report (markdown) here")
    Path out;

    @Option(names = "--fsync", defaultValue = "always", description = "the stores' fsync policy: always or everysec")
    String fsync;

    @Option(names = "--skip-throughput", description = "only measure failover")
    boolean skipThroughput;

    /** JIT warm-up before each measured run: the stores are fresh JVMs. */
    private static final long WARMUP_MS = 3000;
    private static final byte[] VALUE = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
    private final List<String> report = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        deleteRecursively(dir);
        Files.createDirectories(dir);
        line("# kv bench, " + java.time.LocalDateTime.now().withNano(0) + ", " + Runtime.getRuntime().availableProcessors()
                + " cores");
        line("");
        if (!skipThroughput) {
            throughput();
        }
        if (failoverRuns > 0) {
            failover();
        }
        if (out != null) {
            Files.write(out, report);
        }
        return 0;
    }

    private void throughput() throws Exception {
        String redisServer = which("redis-server");
        List<LoadRun.Result> ours = new ArrayList<>();
        List<LoadRun.Result> theirs = new ArrayList<>();
        try (RedisPair redis = new RedisPair(redisServer, dir.resolve("redis"), 6390)) {
            redis.start();
            try (LocalCluster sync = cluster("sync", "sync", 7300)) {
                sync.start();
                String primary = sync.supervisor().primary().httpUrl();
                for (int clients : clientCounts) {
                    ours.add(LoadRun.run("kv sync write", clients, WARMUP_MS, seconds * 1000L, c -> httpPut(primary, c)));
                    theirs.add(LoadRun.run("redis SET+WAIT 1 0", clients, WARMUP_MS, seconds * 1000L,
                            c -> redisSetWait(redis.primaryPort(), c)));
                }
            }
            try (LocalCluster async = cluster("async", "async", 7320)) {
                async.start();
                String primary = async.supervisor().primary().httpUrl();
                for (int clients : clientCounts) {
                    ours.add(LoadRun.run("kv async write", clients, WARMUP_MS, seconds * 1000L, c -> httpPut(primary, c)));
                    theirs.add(LoadRun.run("redis SET", clients, WARMUP_MS, seconds * 1000L,
                            c -> redisSet(redis.primaryPort(), c)));
                }
                for (int clients : clientCounts) {
                    ours.add(LoadRun.run("kv read (primary)", clients, WARMUP_MS, seconds * 1000L, c -> httpGet(primary, c)));
                    theirs.add(LoadRun.run("redis GET", clients, WARMUP_MS, seconds * 1000L,
                            c -> redisGet(redis.primaryPort(), c)));
                }
            }
        }
        line("## Throughput and latency, 100-byte values, " + seconds + " s per run");
        line("");
        line("kv: primary + 1 secondary, minSyncReplicas 1, fsync always (every acknowledged write is on two disks). "
                + "Redis " + redisVersion(redisServer) + ": primary + 1 replica, no persistence (Debian defaults "
                + "with save off).");
        line("");
        line("| workload | clients | kv ops/s | kv p50 ms | kv p99 ms | Redis workload | Redis ops/s | Redis p50 ms | Redis p99 ms | kv/Redis throughput | errors kv/Redis |");
        line("|---|---|---|---|---|---|---|---|---|---|---|");
        for (int i = 0; i < ours.size(); i++) {
            LoadRun.Result a = ours.get(i);
            LoadRun.Result b = theirs.get(i);
            line(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %s | %.0f | %.2f | %.2f | **%.2fx** | %d/%d |",
                    a.name(), a.clients(), a.opsPerSecond(), a.p50Millis(), a.p99Millis(), b.name(), b.opsPerSecond(),
                    b.p50Millis(), b.p99Millis(), a.opsPerSecond() / b.opsPerSecond(), a.errors(), b.errors()));
        }
        line("");
    }

    /** What one kill -9 cost: time to the first new acknowledgement, and acknowledged writes missing after it. */
    private record FailoverRun(long millis, int acknowledged, int lost) {
    }

    private void failover() throws Exception {
        List<FailoverRun> sync = failoverRuns("sync", 7340, failoverRuns);
        long[] sorted = sync.stream().mapToLong(FailoverRun::millis).sorted().toArray();
        line("## Failover in local mode (3 stores, sync, kill -9 of the primary to the first write acknowledged by the new primary)");
        line("");
        line(String.format(Locale.ROOT, "%d runs: median **%d ms**, p90 %d ms, max **%d ms**, min %d ms. All: %s",
                sorted.length, sorted[sorted.length / 2], sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.9)],
                sorted[sorted.length - 1], sorted[0], sync.stream().map(FailoverRun::millis).toList()));
        line(String.format(Locale.ROOT, "Acknowledged writes lost: %d of %d.", sync.stream().mapToInt(FailoverRun::lost).sum(),
                sync.stream().mapToInt(FailoverRun::acknowledged).sum()));
        line("");
        if (asyncLossRuns > 0) {
            List<FailoverRun> async = failoverRuns("async", 7360, asyncLossRuns);
            line("## The asynchronous mode's loss window (3 stores, async, same kill -9 under 8 writers)");
            line("");
            line(String.format(Locale.ROOT, "%d runs: acknowledged writes lost per failover: %s (of %s acknowledged per run).",
                    async.size(), async.stream().map(FailoverRun::lost).toList(),
                    async.stream().map(FailoverRun::acknowledged).toList()));
            line("");
        }
    }

    private List<FailoverRun> failoverRuns(String mode, int basePort, int runs) throws Exception {
        List<FailoverRun> results = new ArrayList<>();
        try (LocalCluster cluster = cluster("failover-" + mode, mode, basePort, 3)) {
            cluster.start();
            KvClient probe = new KvClient(cluster.urls(), Duration.ofSeconds(2));
            for (int run = 1; run <= runs; run++) {
                awaitHealthy(cluster, probe);
                long epoch = cluster.supervisor().epoch();
                NodeProcess victim = cluster.supervisor().primary();
                AtomicLong firstAck = new AtomicLong();
                java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
                List<Thread> writers = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                String prefix = mode + "-" + run;
                for (int w = 0; w < 8; w++) {
                    int writer = w;
                    Thread thread = new Thread(() -> {
                        KvClient client = new KvClient(cluster.urls(), Duration.ofSeconds(2));
                        for (long i = 0; firstAck.get() == 0 && System.nanoTime() < deadline; i++) {
                            String key = prefix + "-" + writer + "-" + i;
                            try {
                                KvClient.Ack ack = client.put(key, VALUE);
                                acknowledged.add(key);
                                if (ack.epoch() > epoch) {
                                    firstAck.compareAndSet(0, System.nanoTime());
                                }
                            } catch (IOException e) {
                                // refused or unreachable during the failover: try again at once
                            }
                        }
                    });
                    writers.add(thread);
                    thread.start();
                }
                Thread.sleep(300);
                long killed = System.nanoTime();
                victim.kill();
                for (Thread thread : writers) {
                    thread.join();
                }
                if (firstAck.get() == 0) {
                    throw new IOException("run " + run + ": no write acknowledged within 30 s of the kill");
                }
                int lost = 0;
                for (String key : acknowledged) {
                    if (!presentOnPrimary(cluster, probe, key)) {
                        lost++;
                    }
                }
                results.add(new FailoverRun((firstAck.get() - killed) / 1_000_000, acknowledged.size(), lost));
                System.err.println(mode + " failover run " + run + ": " + results.get(results.size() - 1));
            }
        }
        return results;
    }

    /**
     * Reads a key from whichever store is primary now, retrying for a while: the supervisor may be
     * between failovers (an async run can fail over again) or a store may be restarting.
     */
    private static boolean presentOnPrimary(LocalCluster cluster, KvClient probe, String key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return probe.get(cluster.supervisor().primary().httpUrl(), key).value().isPresent();
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static void awaitHealthy(LocalCluster cluster, KvClient probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            int following = 0;
            for (String url : cluster.urls()) {
                try {
                    var status = probe.status(url);
                    if (status.path("following").asBoolean()) {
                        following++;
                    }
                } catch (IOException e) {
                    // starting
                }
            }
            if (following == cluster.nodes().size() - 1) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IOException("cluster did not become healthy within 60 s");
    }

    private LocalCluster cluster(String name, String mode, int basePort) throws IOException {
        return cluster(name, mode, basePort, 2);
    }

    private LocalCluster cluster(String name, String mode, int basePort, int nodes) throws IOException {
        LocalClusterSettings settings = LocalClusterSettings.defaults(nodes).withMode(mode).withFsync(fsync).withHeapMb(512);
        return new LocalCluster(dir.resolve(name), storeJar, basePort, settings, line -> System.err.println("  " + line));
    }

    // ---------------------------------------------------------------- operations

    private static LoadRun.Operation httpPut(String baseUrl, int client) throws IOException {
        URIParts target = URIParts.of(baseUrl);
        RawHttpClient http = new RawHttpClient(target.host(), target.port());
        return closeable(http, i -> {
            int code = http.request("PUT", "/v1/kv/b-" + client + "-" + (i % 1000), VALUE);
            if (code != 200) {
                throw new IOException("PUT answered " + code);
            }
        });
    }

    private static LoadRun.Operation httpGet(String baseUrl, int client) throws IOException {
        URIParts target = URIParts.of(baseUrl);
        RawHttpClient http = new RawHttpClient(target.host(), target.port());
        for (int i = 0; i < 1000; i++) {
            http.request("PUT", "/v1/kv/b-" + client + "-" + i, VALUE);
        }
        return closeable(http, i -> {
            int code = http.request("GET", "/v1/kv/b-" + client + "-" + (i % 1000), null);
            if (code != 200) {
                throw new IOException("GET answered " + code);
            }
        });
    }

    private static LoadRun.Operation redisSetWait(int port, int client) throws IOException {
        RespClient redis = new RespClient("127.0.0.1", port);
        byte[] wait = RespClient.command("WAIT", "1", "0");
        return closeable(redis, i -> {
            String[] replies = redis.call(RespClient.command("SET", "b-" + client + "-" + (i % 1000), VALUE), wait);
            if (Long.parseLong(replies[1]) < 1) {
                throw new IOException("WAIT reached no replica");
            }
        });
    }

    private static LoadRun.Operation redisSet(int port, int client) throws IOException {
        RespClient redis = new RespClient("127.0.0.1", port);
        return closeable(redis, i -> redis.call(RespClient.command("SET", "b-" + client + "-" + (i % 1000), VALUE)));
    }

    private static LoadRun.Operation redisGet(int port, int client) throws IOException {
        RespClient redis = new RespClient("127.0.0.1", port);
        for (int i = 0; i < 1000; i++) {
            redis.call(RespClient.command("SET", "b-" + client + "-" + i, VALUE));
        }
        return closeable(redis, i -> {
            if (redis.call(RespClient.command("GET", "b-" + client + "-" + (i % 1000)))[0] == null) {
                throw new IOException("GET found nothing");
            }
        });
    }

    /** An operation that closes its connection when the run ends. */
    private interface ClosingOperation extends LoadRun.Operation, AutoCloseable {
    }

    private static LoadRun.Operation closeable(AutoCloseable resource, LoadRun.Operation operation) {
        return new ClosingOperation() {
            public void run(long i) throws Exception {
                operation.run(i);
            }

            public void close() throws Exception {
                resource.close();
            }
        };
    }

    private record URIParts(String host, int port) {
        static URIParts of(String url) {
            java.net.URI uri = java.net.URI.create(url);
            return new URIParts(uri.getHost(), uri.getPort());
        }
    }

    // ---------------------------------------------------------------- helpers

    private void line(String text) {
        System.out.println(text);
        report.add(text);
    }

    static String which(String program) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : new String[]{"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IOException(program + " not found: install it (Debian: apt-get install -y redis-server) or use ./bench");
    }

    private static String redisVersion(String server) {
        try {
            Process process = new ProcessBuilder(server, "--version").redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
            return Arrays.stream(text.split(" ")).filter(s -> s.startsWith("v=")).findFirst().orElse(text).replace("v=", "");
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
