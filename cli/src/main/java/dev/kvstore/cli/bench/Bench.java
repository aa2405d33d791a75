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

    @Option(names = "--only-costs", description = "only the costs of authentication and TLS")
    boolean onlyCosts;

    @Option(names = "--only-memory", description = "only the memory of 1 million keys and the restart that reloads them")
    boolean onlyMemory;

    @Option(names = "--only-latency", description = "only one client's sync SET against its floor (a loopback round "
            + "trip, an fdatasync)")
    boolean onlyLatency;

    @Option(names = "--skip-throughput", description = "only measure failover")
    boolean skipThroughput;

    /** JIT warm-up before each measured run: the stores are fresh JVMs. */
    private static final long WARMUP_MS = 3000;
    private static final byte[] VALUE = "x".repeat(100).getBytes(StandardCharsets.US_ASCII);
    private final List<String> report = new ArrayList<>();
    /** Written after the throughput tables, though measured while the sync cluster runs. */
    private final List<String> idleReport = new ArrayList<>();
    /** The throughput run's one-client sync SET, for its floor. */
    private LoadRun.Result oneClientSync;

    @Override
    public Integer call() throws Exception {
        deleteRecursively(dir);
        Files.createDirectories(dir);
        line("# kv bench, " + java.time.LocalDateTime.now().withNano(0) + ", " + Runtime.getRuntime().availableProcessors()
                + " cores");
        line("");
        if (onlyCosts) {
            authenticationCost();
            tlsCost();
        } else if (onlyMemory) {
            memory();
        } else if (onlyLatency) {
            try (LocalCluster sync = cluster("sync", "sync", 7300)) {
                sync.start();
                NodeProcess primary = sync.supervisor().primary();
                awaitWritable(primary.respPort());
                latencyFloor(measure("kv sync SET", 1, c -> redisSet(primary.respPort(), c)));
            }
        } else if (!skipThroughput) {
            throughput();
            idleReport.forEach(this::line);
            if (oneClientSync != null) {
                latencyFloor(oneClientSync);
            }
            authenticationCost();
            tlsCost();
            memory();
        }
        if (failoverRuns > 0 && !onlyCosts && !onlyMemory && !onlyLatency) {
            failover();
        }
        if (out != null) {
            Files.write(out, report);
        }
        return 0;
    }

    /** One row of a side-by-side table: our run and the reference run it compares with. */
    private record Pair(LoadRun.Result kv, LoadRun.Result redis) {
    }

    /** redis-benchmark's numbers for one target at one pipeline depth. */
    private record ToolRun(String target, int pipeline, List<RedisBenchmarkTool.Row> rows) {
        RedisBenchmarkTool.Row test(String name) {
            return rows.stream().filter(r -> r.test().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("redis-benchmark gave no " + name + " row for " + target));
        }
    }

    private LoadRun.Result measure(String name, int clients, LoadRun.ClientFactory factory) throws Exception {
        LoadRun.Result result = LoadRun.run(name, clients, WARMUP_MS, seconds * 1000L, factory);
        System.err.printf(Locale.ROOT, "  %s, %d clients: %.0f ops/s%n", name, clients, result.opsPerSecond());
        return result;
    }

    private void throughput() throws Exception {
        String redisServer = which("redis-server");
        List<Pair> http = new ArrayList<>();
        List<Pair> resp = new ArrayList<>();
        List<ToolRun> tool = new ArrayList<>();
        try (RedisPair redis = new RedisPair(redisServer, dir.resolve("redis"), 6390);
             RedisPair redisAof = new RedisPair(redisServer, dir.resolve("redis-aof"), 6392, RedisPair.appendFsyncAlways())) {
            redis.start();
            redisAof.start();
            try (LocalCluster sync = cluster("sync", "sync", 7300)) {
                sync.start();
                NodeProcess primary = sync.supervisor().primary();
                awaitWritable(primary.respPort());
                for (int clients : clientCounts) {
                    http.add(new Pair(measure("kv sync write (HTTP PUT)", clients, c -> httpPut(primary.httpUrl(), c)),
                            measure("redis SET+WAIT 1 0", clients, c -> redisSetWait(redis.primaryPort(), c))));
                }
                for (int clients : clientCounts) {
                    LoadRun.Result kv = measure("kv sync SET", clients, c -> redisSet(primary.respPort(), c));
                    if (clients == 1) {
                        oneClientSync = kv;
                    }
                    resp.add(new Pair(kv, measure("redis SET+WAIT 1 0", clients, c -> redisSetWait(redis.primaryPort(), c))));
                    resp.add(new Pair(kv, measure("redis (AOF fsync always) SET+WAIT 1 0", clients,
                            c -> redisSetWait(redisAof.primaryPort(), c))));
                }
                for (int pipeline : new int[]{1, 16}) {
                    tool.add(new ToolRun("kv sync", pipeline, RedisBenchmarkTool.run(primary.respPort(), 50, pipeline,
                            pipeline == 1 ? 50_000 : 200_000)));
                }
                idleConnections(primary);
            }
            try (LocalCluster async = cluster("async", "async", 7320)) {
                async.start();
                NodeProcess primary = async.supervisor().primary();
                awaitWritable(primary.respPort());
                for (int clients : clientCounts) {
                    http.add(new Pair(measure("kv async write (HTTP PUT)", clients, c -> httpPut(primary.httpUrl(), c)),
                            measure("redis SET", clients, c -> redisSet(redis.primaryPort(), c))));
                    resp.add(new Pair(measure("kv async SET", clients, c -> redisSet(primary.respPort(), c)),
                            measure("redis SET", clients, c -> redisSet(redis.primaryPort(), c))));
                }
                for (int clients : clientCounts) {
                    http.add(new Pair(measure("kv read (HTTP GET)", clients, c -> httpGet(primary.httpUrl(), c)),
                            measure("redis GET", clients, c -> redisGet(redis.primaryPort(), c))));
                    resp.add(new Pair(measure("kv GET", clients, c -> redisGet(primary.respPort(), c)),
                            measure("redis GET", clients, c -> redisGet(redis.primaryPort(), c))));
                }
                for (int pipeline : new int[]{1, 16}) {
                    tool.add(new ToolRun("kv async", pipeline, RedisBenchmarkTool.run(primary.respPort(), 50, pipeline,
                            pipeline == 1 ? 100_000 : 400_000)));
                }
            }
            for (int pipeline : new int[]{1, 16}) {
                tool.add(new ToolRun("redis", pipeline, RedisBenchmarkTool.run(redis.primaryPort(), 50, pipeline,
                        pipeline == 1 ? 100_000 : 400_000)));
            }
        }
        line("## Throughput and latency, 100-byte values, " + seconds + " s per run");
        line("");
        line("kv: primary + 1 secondary, minSyncReplicas 1, " + fsyncSaid(fsync) + ". "
                + "Redis " + redisVersion(redisServer) + ": primary + 1 replica, no persistence (Debian defaults "
                + "with save off), and where named a second pair with appendonly yes, appendfsync always.");
        line("");
        line("### Redis protocol (the same minimal client against both, one connection per client, no pipelining)");
        line("");
        table(resp);
        line("### HTTP API against Redis's protocol");
        line("");
        table(http);
        redisBenchmarkTable(tool);
    }

    /**
     * One client's sync SET against what it cannot beat here (see {@link LatencyFloor}), measured just after it on the
     * same machine and disk.
     */
    private void latencyFloor(LoadRun.Result kv) throws IOException {
        LatencyFloor.Probe roundTrip = LatencyFloor.loopbackRoundTrip(20_000);
        LatencyFloor.Probe fsyncProbe = LatencyFloor.fdatasync(dir, 2_000);
        double bound = LatencyFloor.boundMillis(roundTrip, fsyncProbe);
        line("### One client's sync SET against its floor");
        line("");
        line("| kv sync SET p50 (1 client) | loopback round trip p50 / p99 | fdatasync (100-byte write into zeroed room) p50 / p99 "
                + "| target: 2 x (round trip + fdatasync) | p50 / (round trip + fdatasync) |");
        line("|---|---|---|---|---|");
        line(String.format(Locale.ROOT, "| %.3f ms | %.3f / %.3f ms | %.3f / %.3f ms | %.3f ms: **%s** | **%.2fx** |",
                kv.p50Millis(), roundTrip.p50Millis(), roundTrip.p99Millis(), fsyncProbe.p50Millis(),
                fsyncProbe.p99Millis(), bound, kv.p50Millis() <= bound ? "met" : "not met",
                kv.p50Millis() / (roundTrip.p50Millis() + fsyncProbe.p50Millis())));
        line("");
        line("A sync SET takes at least two round trips (client and primary, primary and secondary) and one fdatasync "
                + "(the primary's and the secondary's overlap)" + ("always".equalsIgnoreCase(fsync.trim()) ? "" : "; "
                + "with fsync " + fsync + " no fdatasync is waited for") + ".");
        line("");
    }

    /** The stores' fsync policy as the report says it: the run's, not always the default's. */
    static String fsyncSaid(String fsync) {
        return "always".equalsIgnoreCase(fsync.trim())
                ? "fsync always (every acknowledged write is on two disks)"
                : "fsync " + fsync + " (an acknowledged write is in two stores' memory and forced within a second: a power "
                + "loss of both machines can lose the last second)";
    }

    private void table(List<Pair> rows) {
        line("| workload | clients | kv ops/s | kv p50 / p99 / p99.9 ms | Redis workload | Redis ops/s "
                + "| Redis p50 / p99 / p99.9 ms | kv/Redis throughput | errors kv/Redis |");
        line("|---|---|---|---|---|---|---|---|---|");
        for (Pair row : rows) {
            LoadRun.Result a = row.kv();
            LoadRun.Result b = row.redis();
            line(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f / %.2f / %.2f | %s | %.0f | %.2f / %.2f / %.2f "
                            + "| **%.2fx** | %d/%d |",
                    a.name(), a.clients(), a.opsPerSecond(), a.p50Millis(), a.p99Millis(), a.p999Millis(), b.name(),
                    b.opsPerSecond(), b.p50Millis(), b.p99Millis(), b.p999Millis(), a.opsPerSecond() / b.opsPerSecond(),
                    a.errors(), b.errors()));
        }
        line("");
    }

    private void redisBenchmarkTable(List<ToolRun> runs) {
        line("### redis-benchmark (Debian's), 50 clients, 100-byte values, random keys");
        line("");
        line("| test | pipeline | kv sync req/s (p50/p99 ms) | kv async req/s (p50/p99 ms) | Redis req/s (p50/p99 ms) "
                + "| kv sync/Redis | kv async/Redis |");
        line("|---|---|---|---|---|---|---|");
        for (String test : List.of("SET", "GET")) {
            for (int pipeline : new int[]{1, 16}) {
                RedisBenchmarkTool.Row sync = find(runs, "kv sync", pipeline).test(test);
                RedisBenchmarkTool.Row async = find(runs, "kv async", pipeline).test(test);
                RedisBenchmarkTool.Row redis = find(runs, "redis", pipeline).test(test);
                line(String.format(Locale.ROOT, "| %s | %d | %.0f (%.2f/%.2f) | %.0f (%.2f/%.2f) | %.0f (%.2f/%.2f) "
                                + "| **%.2fx** | **%.2fx** |", test, pipeline,
                        sync.requestsPerSecond(), sync.p50Millis(), sync.p99Millis(),
                        async.requestsPerSecond(), async.p50Millis(), async.p99Millis(),
                        redis.requestsPerSecond(), redis.p50Millis(), redis.p99Millis(),
                        sync.requestsPerSecond() / redis.requestsPerSecond(),
                        async.requestsPerSecond() / redis.requestsPerSecond()));
            }
        }
        line("");
        line("kv sync answers a SET once two disks hold it; redis-benchmark cannot ask Redis for that (no WAIT), "
                + "so the Redis column there is memory only.");
        line("");
    }

    private static ToolRun find(List<ToolRun> runs, String target, int pipeline) {
        return runs.stream().filter(r -> r.target().equals(target) && r.pipeline() == pipeline).findFirst().orElseThrow();
    }

    /**
     * 10,000 idle client connections on the sync primary while 50 clients write: the throughput and p99
     * with and without them, and the primary's resident memory per idle connection.
     */
    private void idleConnections(NodeProcess primary) throws Exception {
        int idle = 10_000;
        // before, with and after: the machine's drift between runs shows in the two runs without
        LoadRun.Result before = measure("kv sync SET", 50, c -> redisSet(primary.respPort(), c));
        long rssBefore = ProcessMemory.residentBytes(primary.pid());
        LoadRun.Result with;
        long rssWith;
        Process holder = IdleClients.hold("127.0.0.1", primary.respPort(), idle);
        try {
            try (RespClient check = new RespClient("127.0.0.1", primary.respPort())) {
                check.call(RespClient.command("PING")); // the store has taken every connection before this one
            }
            rssWith = ProcessMemory.residentBytes(primary.pid());
            with = measure("kv sync SET with " + idle + " idle connections", 50, c -> redisSet(primary.respPort(), c));
        } finally {
            holder.getOutputStream().close();
            if (!holder.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
        LoadRun.Result after = measure("kv sync SET", 50, c -> redisSet(primary.respPort(), c));
        double without = (before.opsPerSecond() + after.opsPerSecond()) / 2;
        idleReport.add("## " + idle + " idle client connections on the primary (RESP, kv sync SET, 50 clients)");
        idleReport.add("");
        idleReport.add("Held by a process of their own; the runs without them come before and after.");
        idleReport.add("");
        idleReport.add("| run | ops/s | p99 ms |");
        idleReport.add("|---|---|---|");
        idleReport.add(String.format(Locale.ROOT, "| without, before | %.0f | %.2f |", before.opsPerSecond(), before.p99Millis()));
        idleReport.add(String.format(Locale.ROOT, "| with %d idle | %.0f | %.2f |", idle, with.opsPerSecond(), with.p99Millis()));
        idleReport.add(String.format(Locale.ROOT, "| without, after | %.0f | %.2f |", after.opsPerSecond(), after.p99Millis()));
        idleReport.add("");
        idleReport.add(String.format(Locale.ROOT, "Throughput with them: **%.2fx** of the mean without. Resident memory: %d MiB "
                        + "before, %d MiB with them: about %.1f KiB per idle connection.", with.opsPerSecond() / without,
                rssBefore >> 20, rssWith >> 20, (rssWith - rssBefore) / 1024.0 / idle));
        idleReport.add("");
    }

    /**
     * One million keys with 100-byte values, written in pipelined batches into kv (async, 2 stores) and
     * into Redis: resident memory per key on each primary, and how long kv's restart takes until the
     * last key reads back.
     */
    private void memory() throws Exception {
        int keys = 1_000_000;
        long redisPerKey;
        String redisServer = which("redis-server");
        try (RedisPair redis = new RedisPair(redisServer, dir.resolve("redis-memory"), 6394)) {
            redis.start();
            long before = ProcessMemory.redisResidentBytes(redis.primaryPort());
            fill(redis.primaryPort(), keys);
            redisPerKey = (ProcessMemory.redisResidentBytes(redis.primaryPort()) - before) / keys;
        }
        // this measures memory, not failover: a full collection of a 1.5 GiB heap under the fill can silence the
        // primary past the default 150 ms (it did, and the fill met a new primary), so the supervisor waits 5 s
        LocalClusterSettings settings = LocalClusterSettings.defaults(2).withMode("async").withFsync(fsync).withHeapMb(1536)
                .withFailoverDelay(Duration.ofSeconds(5));
        long kvPerKey;
        long kvPerKeyAfterGc;
        try (LocalCluster cluster = new LocalCluster(dir.resolve("memory"), storeJar, 7380, settings,
                line -> System.err.println("  " + line))) {
            cluster.start();
            NodeProcess primary = cluster.supervisor().primary();
            long before = ProcessMemory.residentBytes(primary.pid());
            fill(primary.respPort(), keys);
            kvPerKey = (ProcessMemory.residentBytes(primary.pid()) - before) / keys;
            fullGc(primary.pid());
            kvPerKeyAfterGc = (ProcessMemory.residentBytes(primary.pid()) - before) / keys;
        }
        long restartMillis;
        try (LocalCluster cluster = new LocalCluster(dir.resolve("memory"), storeJar, 7380, settings,
                line -> System.err.println("  " + line))) {
            long started = System.nanoTime();
            cluster.start();
            String last = key(keys - 1);
            while (true) {
                try (RespClient client = new RespClient("127.0.0.1", cluster.supervisor().primary().respPort())) {
                    if (client.call(RespClient.command("GET", last))[0] != null) {
                        break;
                    }
                } catch (IOException loading) {
                    // not serving yet
                }
                Thread.sleep(50);
            }
            restartMillis = (System.nanoTime() - started) / 1_000_000;
        }
        line("## Memory: " + keys + " keys with 100-byte values");
        line("");
        line(String.format(Locale.ROOT, "Resident memory per key on the primary: kv **%d bytes** (%d after a full GC; "
                        + "JVM heap up to 1536 MiB), Redis %d bytes: **%.2fx**. kv's restart (2 stores, from their "
                        + "snapshots and logs) until the last key reads back: %.1f s.", kvPerKey, kvPerKeyAfterGc,
                redisPerKey, (double) kvPerKey / redisPerKey, restartMillis / 1000.0));
        line("");
    }

    private static String key(int i) {
        return String.format(Locale.ROOT, "key:%07d", i);
    }

    /** SETs keys 0..count-1 in pipelined batches of 1000, once the store takes writes. */
    private static void fill(int port, int count) throws IOException, InterruptedException {
        awaitWritable(port);
        try (RespClient client = new RespClient("127.0.0.1", port)) {
            for (int from = 0; from < count; from += 1000) {
                byte[][] batch = new byte[Math.min(1000, count - from)][];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = RespClient.command("SET", key(from + i), VALUE);
                }
                client.call(batch);
            }
        }
    }

    /** A new primary refuses writes (TRYAGAIN) until it has waited out its predecessor's lease. */
    private static void awaitWritable(int port) throws IOException, InterruptedException {
        awaitWritable(port, null);
    }

    private static void awaitWritable(int port, String password) throws IOException, InterruptedException {
        awaitWritable(port, password, null);
    }

    /** Until a SET succeeds, authenticated as default with {@code password} (null: without), over {@code tls} (null: plain). */
    private static void awaitWritable(int port, String password, javax.net.ssl.SSLContext tls)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (RespClient client = tls == null ? new RespClient("127.0.0.1", port) : new RespClient("127.0.0.1", port, tls)) {
                if (password != null) {
                    client.call(RespClient.command("AUTH", password));
                }
                client.call(RespClient.command("SET", "bench:ready", "1"));
                return;
            } catch (IOException refused) {
                if (System.nanoTime() > deadline) {
                    throw refused;
                }
                Thread.sleep(100);
            }
        }
    }

    /** A full collection in the store's JVM (jcmd), so that its resident memory is its live data. */
    private static void fullGc(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new IOException("jcmd missing at " + jcmd + ": the bench runs on a JDK");
        }
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                .start();
        process.getInputStream().readAllBytes();
        process.waitFor();
        Thread.sleep(1000);
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

    /**
     * Synchronous writes at 50 clients on two clusters alike but for authentication, measured one after
     * the other: RESP authenticates once per connection (AUTH), HTTP checks Basic credentials on every
     * request.
     */
    private void authenticationCost() throws Exception {
        int clients = 50;
        Path users = Files.createDirectories(dir.resolve("auth-users"));
        String password = "bench-" + Long.toHexString(System.nanoTime());
        Files.writeString(users.resolve("default"), password);
        try (LocalCluster open = cluster("auth-off", "sync", 7340);
             LocalCluster secured = new LocalCluster(dir.resolve("auth-on"), storeJar, 7360,
                     LocalClusterSettings.defaults(2).withMode("sync").withFsync(fsync).withHeapMb(512)
                             .with("kv.users-dir", users.toAbsolutePath().toString()),
                     line -> System.err.println("  " + line))) {
            open.start();
            secured.start();
            NodeProcess openPrimary = open.supervisor().primary();
            NodeProcess securedPrimary = secured.supervisor().primary();
            awaitWritable(openPrimary.respPort());
            awaitWritable(securedPrimary.respPort(), password);
            double[][] resp = alternating(clients, "kv sync SET, no authentication",
                    c -> redisSet(openPrimary.respPort(), c), "kv sync SET, AUTH per connection",
                    c -> redisSet(securedPrimary.respPort(), c, password));
            double[][] http = alternating(clients, "kv sync PUT, no authentication",
                    c -> httpPut(openPrimary.httpUrl(), c), "kv sync PUT, Basic on every request",
                    c -> httpPut(securedPrimary.httpUrl(), c, "default:" + password));
            line("## Cost of authentication (sync writes, " + clients + " clients, two clusters alike but for kv.users-dir)");
            line("");
            line("Each side measured twice, alternating, after two unmeasured rounds; means, runs in brackets.");
            line("");
            line("| protocol | without, ops/s | with, ops/s | with / without |");
            line("|---|---|---|---|");
            authRow("RESP `SET` (AUTH once per connection)", resp[0], resp[1]);
            authRow("HTTP `PUT` (Basic on every request)", http[0], http[1]);
            line("");
        }
    }

    /**
     * Synchronous writes at 50 clients on clusters alike but for TLS (kv local --tls's certificates): the
     * clients' connections and the replication between the stores both encrypted, by the OpenSSL engine
     * (BoringSSL, the stores' default) and by the JDK's (kv.tls-engine=jdk), beside a cluster in clear. One
     * TLS handshake per client connection, as a pooled client does it.
     */
    private void tlsCost() throws Exception {
        int clients = 50;
        Path tlsRoot = Files.createDirectories(dir.resolve("tls-certificates"));
        String storeDir = dev.kvstore.cli.local.LocalTls.ensure(tlsRoot, List.of(LocalCluster.storeName(0),
                LocalCluster.storeName(1)));
        javax.net.ssl.SSLContext trusting = dev.kvstore.core.tls.SslContexts.of(
                Files.readString(tlsRoot.resolve("tls").resolve("ca.crt")), null, null);
        LocalClusterSettings tls = LocalClusterSettings.defaults(2).withMode("sync").withFsync(fsync).withHeapMb(512)
                .with("kv.max-clients", "10100").with(dev.kvstore.cli.local.LocalTls.STORE_PROPERTY, storeDir);
        try (LocalCluster plain = cluster("tls-off", "sync", 7340);
             LocalCluster openssl = new LocalCluster(dir.resolve("tls-openssl"), storeJar, 7360, tls,
                     line -> System.err.println("  " + line));
             LocalCluster jdk = new LocalCluster(dir.resolve("tls-jdk"), storeJar, 7380, tls.with("kv.tls-engine", "jdk"),
                     line -> System.err.println("  " + line))) {
            plain.start();
            openssl.start();
            jdk.start();
            NodeProcess plainPrimary = plain.supervisor().primary();
            NodeProcess opensslPrimary = openssl.supervisor().primary();
            NodeProcess jdkPrimary = jdk.supervisor().primary();
            awaitWritable(plainPrimary.respPort());
            awaitWritable(opensslPrimary.respPort(), null, trusting);
            awaitWritable(jdkPrimary.respPort(), null, trusting);
            double[][] runs = alternating(clients, List.of(
                    // each run asks for the primary of now: on these loaded cores a cluster may fail over between
                    // runs (a primary slower to answer than the status timeout), and a side aimed at the store it
                    // had at start would then measure refusals (0 ops/s, seen)
                    new Side("kv sync SET, plain TCP", c -> redisSet(plain.supervisor().primary().respPort(), c)),
                    new Side("kv sync SET, TLS 1.3 OpenSSL engine (clients and replication)",
                            c -> redisSetTls(openssl.supervisor().primary().respPort(), c, trusting)),
                    new Side("kv sync SET, TLS 1.3 JDK engine (clients and replication)",
                            c -> redisSetTls(jdk.supervisor().primary().respPort(), c, trusting))));
            line("## Cost of TLS (sync writes, " + clients + " clients, clusters alike but for kv.tls-dir and its engine)");
            line("");
            line("Each side measured twice, in turn, after two unmeasured rounds; means, runs in brackets. With TLS,"
                    + " replication between the two stores is encrypted too (mutual TLS). The clients use the JDK's TLS"
                    + " in the first two rows, the engine named is the stores'; the last two rows' client is Debian's"
                    + " redis-benchmark (OpenSSL), whose own TLS takes less of the cores the stores share with it; the"
                    + " last row is what TLS costs Redis itself under that client on these cores.");
            line("");
            line("| protocol | without, ops/s | with, ops/s | with / without |");
            line("|---|---|---|---|");
            // the same through redis-benchmark (C, OpenSSL): a client whose own TLS costs less of the two cores
            // the stores share with it, as clients on other machines cost them nothing
            Path certificates = tlsRoot.resolve("tls");
            List<String> overTls = List.of("--tls", "--cacert", certificates.resolve("ca.crt").toString());
            double[][] tool = new double[2][2];
            double[][] reference = new double[2][2];
            int requests = Math.max(20_000, seconds * 15_000);
            // the reference: what TLS costs Redis itself under the same client on the same cores (no replica: the
            // tool cannot WAIT), one process measured in clear and over TLS, in turn with the stores' runs
            Path redisCertificate = certificates.resolve(LocalCluster.storeName(0));
            RedisWithTls redis = null;
            String referenceMissing = null;
            try {
                redis = RedisWithTls.start(which("redis-server"), dir.resolve("redis-tls"), 6396,
                        redisCertificate.resolve("tls.crt"), redisCertificate.resolve("tls.key"),
                        certificates.resolve("ca.crt"));
            } catch (IOException e) {
                referenceMissing = e.getMessage(); // the stores' rows are measured and shown all the same
            }
            try {
                for (int round = -WARM_UP_ROUNDS; round < 2; round++) {
                    double off = RedisBenchmarkTool.run(plain.supervisor().primary().respPort(), clients, 1, requests,
                            "set", List.of()).get(0).requestsPerSecond();
                    double on = RedisBenchmarkTool.run(openssl.supervisor().primary().respPort(), clients, 1, requests,
                            "set", overTls).get(0).requestsPerSecond();
                    if (round >= 0) {
                        tool[0][round] = off;
                        tool[1][round] = on;
                    }
                    if (redis != null) {
                        double redisOff = RedisBenchmarkTool.run(redis.plainPort(), clients, 1, requests, "set",
                                List.of()).get(0).requestsPerSecond();
                        double redisOn = RedisBenchmarkTool.run(redis.tlsPort(), clients, 1, requests, "set", overTls)
                                .get(0).requestsPerSecond();
                        if (round >= 0) {
                            reference[0][round] = redisOff;
                            reference[1][round] = redisOn;
                        }
                    }
                }
            } finally {
                if (redis != null) {
                    redis.close();
                }
            }
            authRow("RESP `SET` (TLS 1.3, stores on OpenSSL/BoringSSL, the default)", runs[0], runs[1]);
            authRow("RESP `SET` (TLS 1.3, stores on the JDK's engine, `kv.tls-engine=jdk`)", runs[0], runs[2]);
            authRow("RESP `SET` through redis-benchmark `--tls` (" + requests + " requests a run; stores on OpenSSL)",
                    tool[0], tool[1]);
            String referenceName = "the reference: Redis alone (no replica, no persistence), `SET` through redis-benchmark"
                    + " `--tls`, same requests, one process in clear and over TLS";
            if (referenceMissing == null) {
                authRow(referenceName, reference[0], reference[1]);
            } else {
                line("| " + referenceName + " | not measured: " + referenceMissing + " | | |");
            }
            line("");
        }
    }

    /** One side of a comparison: a name and its clients. */
    private record Side(String name, LoadRun.ClientFactory clients) {
    }

    /** SETs on one TLS connection. */
    private static LoadRun.Operation redisSetTls(int port, int client, javax.net.ssl.SSLContext tls) throws IOException {
        RespClient redis = new RespClient("127.0.0.1", port, tls);
        return closeable(redis, i -> redis.call(RespClient.command("SET", "b-" + client + "-" + (i % 1000), VALUE)));
    }

    /**
     * Two alike runs side by side on fresh JVMs: {@link #WARM_UP_ROUNDS} unmeasured rounds each, then the two alternate twice
     * (the machine's drift then weighs on both sides alike). Answers each side's two ops/s: [without, with].
     */
    private double[][] alternating(int clients, String withoutName, LoadRun.ClientFactory without, String withName,
                                   LoadRun.ClientFactory with) throws Exception {
        return alternating(clients, List.of(new Side(withoutName, without), new Side(withName, with)));
    }

    /**
     * Unmeasured rounds before the two measured ones. One was not enough: in the TLS table of both runs of
     * 2026-12-07 evening, every side's first measured round was its slower one, by up to a third (20,478 then
     * 31,548 ops/s): three fresh clusters' JVMs still compiling after one round of 8 s each.
     */
    private static final int WARM_UP_ROUNDS = 2;

    /** The same for any number of sides, measured in turn: each side's two ops/s, in the order given. */
    private double[][] alternating(int clients, List<Side> sides) throws Exception {
        double[][] runs = new double[sides.size()][2];
        for (int round = -WARM_UP_ROUNDS; round < 2; round++) {
            for (int side = 0; side < sides.size(); side++) {
                double opsPerSecond = measure(sides.get(side).name(), clients, sides.get(side).clients()).opsPerSecond();
                if (round >= 0) {
                    runs[side][round] = opsPerSecond;
                }
            }
        }
        return runs;
    }

    private void authRow(String what, double[] without, double[] with) {
        double off = (without[0] + without[1]) / 2;
        double on = (with[0] + with[1]) / 2;
        line(String.format(Locale.ROOT, "| %s | %.0f [%.0f, %.0f] | %.0f [%.0f, %.0f] | **%.2fx** |", what, off,
                without[0], without[1], on, with[0], with[1], on / off));
    }

    private LocalCluster cluster(String name, String mode, int basePort) throws IOException {
        return cluster(name, mode, basePort, 2);
    }

    private LocalCluster cluster(String name, String mode, int basePort, int nodes) throws IOException {
        // room for the 10,000 idle connections of the idle-connection run beside its 50 clients
        LocalClusterSettings settings = LocalClusterSettings.defaults(nodes).withMode(mode).withFsync(fsync).withHeapMb(512)
                .with("kv.max-clients", "10100");
        return new LocalCluster(dir.resolve(name), storeJar, basePort, settings, line -> System.err.println("  " + line));
    }

    // ---------------------------------------------------------------- operations

    private static LoadRun.Operation httpPut(String baseUrl, int client) throws IOException {
        return httpPut(baseUrl, client, null);
    }

    private static LoadRun.Operation httpPut(String baseUrl, int client, String basicCredentials) throws IOException {
        URIParts target = URIParts.of(baseUrl);
        RawHttpClient http = new RawHttpClient(target.host(), target.port(), basicCredentials);
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
        return redisSet(port, client, null);
    }

    /** SETs on one connection, which first authenticates as default with {@code password} (null: not). */
    private static LoadRun.Operation redisSet(int port, int client, String password) throws IOException {
        RespClient redis = new RespClient("127.0.0.1", port);
        if (password != null) {
            String answer = redis.call(RespClient.command("AUTH", password))[0];
            if (!"OK".equals(answer)) {
                throw new IOException("AUTH answered " + answer);
            }
        }
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
