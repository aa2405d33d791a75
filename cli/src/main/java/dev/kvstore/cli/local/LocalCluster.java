package dev.kvstore.cli.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * N store processes on loopback plus the supervisor that gives them roles. Everything lives under
 * one directory: a data directory and a log per store, the secret, the supervisor's epoch, and a
 * {@code cluster.properties} that the CLI reads to find the stores.
 */
public final class LocalCluster implements AutoCloseable {

    private final Path dir;
    private final Path storeJar;
    private final LocalClusterSettings settings;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Path secretFile;
    /** The secrets last read from {@link #secretFile}: kept when a read fails, as a store keeps them. */
    private volatile dev.kvstore.core.admin.ClusterSecrets lastSecrets;
    private final Consumer<String> events;
    private LocalSupervisor supervisor;
    /** Stores that run another release than {@code storeJar} (a rolling update or rollback in progress). */
    private final java.util.Map<NodeProcess, Path> releaseOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<NodeProcess> heldDown = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public LocalCluster(Path dir, Path storeJar, int basePort, LocalClusterSettings settings, Consumer<String> events)
            throws IOException {
        this(dir, storeJar, basePort, settings, events, i -> NodeProcess.Placement.LOOPBACK);
    }

    /** Stores placed by {@code placement} (by index) instead of on loopback. */
    public LocalCluster(Path dir, Path storeJar, int basePort, LocalClusterSettings settings, Consumer<String> events,
                        java.util.function.IntFunction<NodeProcess.Placement> placement) throws IOException {
        this.dir = dir.toAbsolutePath();
        this.storeJar = storeJar;
        this.settings = settings;
        this.events = events;
        Files.createDirectories(this.dir);
        if (!Files.exists(storeJar)) {
            throw new IOException("store binary not found at " + storeJar + "; build it with: mvn -pl store -am package");
        }
        this.secretFile = this.dir.resolve("secret");
        this.lastSecrets = dev.kvstore.core.admin.ClusterSecrets.parse(loadOrCreateSecret(secretFile));
        for (int i = 0; i < settings.nodes(); i++) {
            String name = storeName(i);
            nodes.add(new NodeProcess(name, NodeProcess.Ports.of(basePort, i), placement.apply(i), this.dir.resolve(name),
                    this.dir.resolve(name + ".log")));
        }
    }

    /** Where the cluster keeps its secret, users, logs and stores' data. */
    public Path dir() {
        return dir;
    }

    /** The name of the store with this index: kv-0, kv-1, ... */
    public static String storeName(int index) {
        return "kv-" + index;
    }

    private static String loadOrCreateSecret(Path file) throws IOException {
        if (Files.exists(file)) {
            PrivateFiles.restrictToOwner(file);
            return Files.readString(file).trim();
        }
        String secret = newSecret();
        PrivateFiles.write(file, secret);
        return secret;
    }

    /** A new random cluster secret. */
    public static String newSecret() {
        return dev.kvstore.core.admin.SecretRotation.newSecret();
    }

    /** The cluster secrets in the secret file now; the ones read before when it cannot be read. */
    public dev.kvstore.core.admin.ClusterSecrets secrets() {
        try {
            lastSecrets = dev.kvstore.core.admin.ClusterSecrets.parse(Files.readString(secretFile));
        } catch (IOException | IllegalArgumentException e) {
            // kept: a rotation replaces the file by a rename, so this is a file removed by hand
        }
        return lastSecrets;
    }

    /** Starts every store, waits for them, and elects the first primary. */
    public LocalSupervisor start() throws IOException, InterruptedException {
        startDeadNodes();
        supervisor = new LocalSupervisor(nodes, settings, this::secrets, dir.resolve("supervisor-epoch"), events,
                this::restartDeadNodesQuietly);
        supervisor.start(Duration.ofSeconds(60));
        writeDescriptor();
        return supervisor;
    }

    public void startDeadNodes() throws IOException {
        for (NodeProcess node : nodes) {
            if (!node.alive() && !heldDown.contains(node)) {
                node.start(jarOf(node), secretFile, settings);
            }
        }
        writeDescriptor();
    }

    /** Starts one store (again), e.g. after a test killed it. */
    public void start(NodeProcess node) throws IOException {
        node.start(jarOf(node), secretFile, settings);
        writeDescriptor();
    }

    /**
     * Keeps {@code node} down: dead, it is not started again until {@link #release}d (its machine is off,
     * or its disk is being replaced). A store the supervisor restarts meanwhile would come up on whatever
     * its data directory shows then.
     */
    public void holdDown(NodeProcess node) {
        heldDown.add(node);
    }

    public void release(NodeProcess node) {
        heldDown.remove(node);
    }

    /** From its next start on, {@code node} runs the store in {@code jar}: one step of a rolling update or rollback. */
    public void runRelease(NodeProcess node, Path jar) {
        releaseOf.put(node, jar);
    }

    private Path jarOf(NodeProcess node) {
        return releaseOf.getOrDefault(node, storeJar);
    }

    private void restartDeadNodesQuietly() {
        try {
            startDeadNodes();
        } catch (IOException e) {
            events.accept("restart failed: " + e.getMessage());
        }
    }

    /** Where the CLI finds the stores: names, URLs (client and admin) and pids. */
    private void writeDescriptor() throws IOException {
        Properties props = new Properties();
        props.setProperty("nodes", Integer.toString(nodes.size()));
        for (int i = 0; i < nodes.size(); i++) {
            props.setProperty("node." + i + ".name", nodes.get(i).name());
            props.setProperty("node." + i + ".url", nodes.get(i).httpUrl());
            props.setProperty("node." + i + ".admin", nodes.get(i).adminUrl());
            props.setProperty("node." + i + ".pid", Long.toString(nodes.get(i).pid()));
        }
        try (var out = Files.newBufferedWriter(dir.resolve("cluster.properties"))) {
            props.store(out, "written by kv local");
        }
    }

    public List<NodeProcess> nodes() {
        return nodes;
    }

    /** The secret admin calls are signed with now. */
    public String secret() {
        return secrets().signing();
    }

    public LocalSupervisor supervisor() {
        return supervisor;
    }

    /** A client of this cluster, authenticating as its default user when it has users ({@link LocalUsers}). */
    public dev.kvstore.cli.client.KvClient client(java.time.Duration timeout) throws IOException {
        return LocalUsers.signIn(LocalTls.trustedBy(new dev.kvstore.cli.client.KvClient(urls(), timeout), settings), dir);
    }

    public List<String> urls() {
        return nodes.stream().map(NodeProcess::httpUrl).toList();
    }

    /** Stops the supervisor and kills every store (kill -9, as a crash would). */
    @Override
    public void close() {
        if (supervisor != null) {
            supervisor.close();
        }
        for (NodeProcess node : nodes) {
            node.kill();
        }
    }
}
