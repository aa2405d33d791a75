package dev.kvstore.cli.local;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One store process of a local cluster: how to start it, and the running process if any. */
public final class NodeProcess implements dev.kvstore.core.FailoverProcedure.Member {

    /** A store's ports: the client ones (HTTP, Redis protocol), replication, admin, and metrics. */
    public record Ports(int http, int replication, int resp, int admin, int management) {

        /** Store {@code index} of a local cluster whose first store's HTTP port is {@code base}: +100 apart per kind. */
        public static Ports of(int base, int index) {
            return new Ports(base + index, base + 100 + index, base + 200 + index, base + 300 + index,
                    base + 400 + index);
        }
    }

    /**
     * Where a store runs: the address it binds and is reached at, and what its command is started
     * through. On loopback by default; the fault tests put each store in a network namespace of its
     * own ({@code ip netns exec <ns>}), so that partitions are real network faults.
     */
    public record Placement(String host, List<String> launcher) {
        public static final Placement LOOPBACK = new Placement("127.0.0.1", List.of());

        public Placement {
            launcher = List.copyOf(launcher);
        }
    }

    private final String name;
    private final Ports ports;
    private final Placement placement;
    private final Path dataDir;
    private final Path logFile;
    private volatile Process process;

    /** Stands for the store's name in a value of {@link LocalClusterSettings#storeProperties()}. */
    public static final String NODE_NAME = "{node}";

    /** https once started with TLS: its HTTP and admin ports then speak nothing else. */
    private volatile String scheme = "http";

    public NodeProcess(String name, Ports ports, Path dataDir, Path logFile) {
        this(name, ports, Placement.LOOPBACK, dataDir, logFile);
    }

    public NodeProcess(String name, Ports ports, Placement placement, Path dataDir, Path logFile) {
        this.name = name;
        this.ports = ports;
        this.placement = placement;
        this.dataDir = dataDir;
        this.logFile = logFile;
    }

    /**
     * An eighth of the heap, 8 to 64 MiB: room for a burst of requests' garbage, while the data's budget (half the
     * heap) and the log's cache (a sixteenth) still fit in the old generation beside it.
     */
    static int youngGenerationMb(int heapMb) {
        return Math.max(8, Math.min(64, heapMb / 8));
    }

    /** @param secretFile the cluster secret file (one a line), which the store reads again while it runs */
    public synchronized void start(Path storeJar, Path secretFile, LocalClusterSettings settings) throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(placement.launcher());
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + settings.heapMb() + "m");
        command.add("-XX:+UseSerialGC");
        // the data lives in the old generation; a small young one (the JVM's default is a third of the heap) and a heap
        // that starts small and keeps little free room make the resident memory follow the data, not the largest the
        // heap may grow to (the JVM's initial heap here would be 1/64 of the machine's memory, whatever the data)
        int heapMb = settings.heapMb();
        command.add("-Xms" + Math.min(96, heapMb) + "m");
        command.add("-Xmn" + youngGenerationMb(heapMb) + "m");
        command.add("-XX:MinHeapFreeRatio=10");
        command.add("-XX:MaxHeapFreeRatio=20");
        // a store that runs out of memory anyway ends at once: the supervisor sees a dead process, not a zombie
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Dquarkus.http.port=" + ports.http());
        command.add("-Dquarkus.http.host=" + placement.host());
        command.add("-Dkv.node-id=" + name);
        command.add("-Dkv.cluster-id=" + settings.clusterId());
        command.add("-Dkv.replication-host=" + placement.host());
        command.add("-Dkv.replication-port=" + ports.replication());
        command.add("-Dkv.resp-host=" + placement.host());
        command.add("-Dkv.resp-port=" + ports.resp());
        command.add("-Dkv.data-dir=" + dataDir);
        command.add("-Dkv.mode=" + settings.mode());
        command.add("-Dkv.min-sync-replicas=" + settings.minSyncReplicas());
        command.add("-Dkv.fsync=" + settings.fsync());
        command.add("-jar");
        command.add(storeJar.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        dropInheritedStoreSettings(builder.environment());
        // the secret goes by a file of the owner's only, not the command line (`ps` shows it) nor the environment
        // (fixed for the process's life): the store reads the file again, so `kv rotate-secret` needs no restart
        builder.environment().put("KV_SECRET_FILE", secretFile.toString());
        // settings newer than the previous release go by environment, as the operator gives them to pods: a
        // store of another release ignores one it does not know, where a -D property it does not know stops it
        builder.environment().put("KV_ADMIN_HOST", placement.host());
        builder.environment().put("KV_ADMIN_PORT", Integer.toString(ports.admin()));
        builder.environment().put("QUARKUS_MANAGEMENT_HOST", placement.host());
        builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(ports.management()));
        // "{node}" in a value is this store's name: settings of one store each, such as its TLS directory
        settings.storeProperties().forEach((key, value) ->
                builder.environment().put(environmentName(key), value.replace(NODE_NAME, name)));
        scheme = settings.storeProperties().containsKey(LocalTls.STORE_PROPERTY) ? "https" : "http";
        process = builder.start();
    }

    /**
     * A store of {@code kv local} is configured by {@code kv local} alone: a {@code KV_*} or {@code QUARKUS_*}
     * variable of the shell would otherwise reach every store, and one such as {@code KV_SECRET} wins over the
     * secret file that {@code kv rotate-secret} rewrites.
     */
    static void dropInheritedStoreSettings(Map<String, String> environment) {
        environment.keySet().removeIf(name -> name.startsWith("KV_") || name.startsWith("QUARKUS_"));
    }

    /** SmallRye Config's environment name of a property: kv.log-format is KV_LOG_FORMAT. */
    static String environmentName(String property) {
        StringBuilder name = new StringBuilder(property.length());
        for (char c : property.toCharArray()) {
            name.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return name.toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String adminUrl() {
        return scheme + "://" + placement.host() + ":" + ports.admin();
    }

    @Override
    public String httpUrl() {
        return scheme + "://" + placement.host() + ":" + ports.http();
    }

    /** Where Prometheus scrapes this store: {@code /metrics} on its metrics port (https with TLS). */
    public String managementUrl() {
        return scheme + "://" + placement.host() + ":" + ports.management();
    }

    @Override
    public String replicationAddress() {
        return placement.host() + ":" + ports.replication();
    }

    /** The address the store binds and is reached at (127.0.0.1 unless placed elsewhere). */
    public String host() {
        return placement.host();
    }

    /** The Redis-protocol port: {@code redis-cli -p} this. */
    public int respPort() {
        return ports.resp();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Where the store's output goes, across restarts. */
    public Path logFile() {
        return logFile;
    }

    public Process process() {
        return process;
    }

    public boolean alive() {
        Process current = process;
        return current != null && current.isAlive();
    }

    public long pid() {
        Process current = process;
        return current == null ? -1 : current.pid();
    }

    /** kill -9: no shutdown hook, no flush. */
    public void kill() {
        Process current = process;
        if (current != null) {
            current.destroyForcibly();
            try {
                current.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start().waitFor();
    }
}
