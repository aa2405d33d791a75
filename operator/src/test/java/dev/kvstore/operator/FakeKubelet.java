package dev.kvstore.operator;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet for the integration tier (no kubelet runs there): for each store pod the
 * StatefulSet controller creates, it starts a real store process on its own loopback address
 * (127.0.N.(10 + ordinal)), reports that address as the pod IP, probes readiness as the pod spec
 * says, and kill -9s the process when the pod is deleted. A store process that exits is started again
 * at once and reported, as the kubelet reports a restarted container, with a new container id and a
 * higher restart count (a real kubelet backs off after repeated crashes; here every restart is at once).
 * Each pod keeps its data directory, as a volume claim would.
 */
final class FakeKubelet implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final Path storeJar;
    private final Path volumes;
    private final int subnet;
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final Map<String, Boolean> readiness = new ConcurrentHashMap<>();
    private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
    /** An HTTPS probe takes any certificate, as the kubelet's does. */
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300))
            .sslContext(AnyServerTls.context()).build();
    private final Map<String, String> probeSchemeOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<String> httpsPods = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The TLS Secret of each running pod that mounts one. */
    private final Map<String, String> tlsSecretOf = new ConcurrentHashMap<>();
    /** The Secret of the user's whose certificate each running pod's client ports show, when it mounts one. */
    private final Map<String, String> clientTlsSecretOf = new ConcurrentHashMap<>();
    /** The cluster secret's Secret of each running pod (mounted, and kept up to date, as the kubelet does). */
    private final Map<String, String> clusterSecretOf = new ConcurrentHashMap<>();
    private int secretSyncRound;
    private int probes;
    private Watch watch;

    /** What a pod's store wrote to its standard output and error, every run of it. */
    String logOf(String pod) throws IOException {
        Path log = volumes.resolve(pod + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    FakeKubelet(KubernetesClient client, String namespace, Path storeJar, Path volumes, int subnet) {
        this.client = client;
        this.namespace = namespace;
        this.storeJar = storeJar;
        this.volumes = volumes;
        this.subnet = subnet;
    }

    FakeKubelet start() {
        watch = client.pods().inNamespace(namespace).withLabel("app.kubernetes.io/name", "kvstore").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                String name = pod.getMetadata().getName();
                if (action == Action.DELETED || pod.getMetadata().getDeletionTimestamp() != null) {
                    stop(name);
                    restarts.remove(name);
                    if (action != Action.DELETED) {
                        // the kubelet confirms the container is gone by deleting the pod for good
                        client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
                    }
                } else if (!running.containsKey(name)) {
                    launch(pod);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        prober.scheduleWithFixedDelay(this::probe, 200, 200, TimeUnit.MILLISECONDS);
        return this;
    }

    static int ordinal(String pod) {
        return Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
    }

    /**
     * Each cluster's pods get addresses of their own (every store binds the same ports on its pod's address):
     * the first cluster seen from .10 on, the next from .30, and so on, by the order clusters first show up.
     */
    private final Map<String, Integer> firstAddressOf = new ConcurrentHashMap<>();

    String ipOf(String pod) {
        String cluster = pod.substring(0, pod.lastIndexOf('-'));
        int first = firstAddressOf.computeIfAbsent(cluster, c -> 10 + 20 * firstAddressOf.size());
        return "127.0." + subnet + "." + (first + ordinal(pod));
    }

    /** How often this pod's store process has been started again since the pod was made. */
    int restartsOf(String pod) {
        return restarts.getOrDefault(pod, 0);
    }

    /** The store's HTTP port: https when its pod runs it with TLS (it then answers nothing else). */
    String urlOf(String pod) {
        return (httpsPods.contains(pod) ? "https" : "http") + "://" + ipOf(pod) + ":8080";
    }

    /** Where the readiness probe goes, with the scheme the pod spec gives it (as the kubelet reads it). */
    private String probeUrlOf(String pod) {
        String scheme = probeSchemeOf.getOrDefault(pod, "HTTP");
        return ("HTTPS".equals(scheme) ? "https" : "http") + "://" + ipOf(pod) + ":8080";
    }

    private synchronized void launch(Pod pod) {
        String name = pod.getMetadata().getName();
        if (running.containsKey(name)) {
            return;
        }
        try {
            Map<String, String> env = new java.util.HashMap<>();
            for (EnvVar var : pod.getSpec().getContainers().get(0).getEnv()) {
                if (var.getValue() != null && !var.getValue().contains("$(")) {
                    env.put(var.getName(), var.getValue());
                }
            }
            String secretName = pod.getSpec().getVolumes().stream().filter(v -> "secret".equals(v.getName())).findFirst()
                    .orElseThrow().getSecret().getSecretName();
            Path secretDir = Files.createDirectories(volumes.resolve(name + "-secret"));
            if (!writeSecretFiles(secretName, secretDir)) {
                throw new IllegalStateException("Secret " + secretName + " not there yet");
            }
            clusterSecretOf.put(name, secretName);
            String ip = ipOf(name);
            // as the store reads its settings: TLS on the HTTP port with the TLS directory, unless KV_HTTP_TLS is false
            boolean https = env.containsKey("KV_TLS_DIR") && !"false".equals(env.get("KV_HTTP_TLS"));
            if (https) {
                httpsPods.add(name);
            } else {
                httpsPods.remove(name);
            }
            Path data = Files.createDirectories(volumes.resolve(name));
            // init containers first, as the kubelet runs them: a failed one keeps the store from starting
            for (io.fabric8.kubernetes.api.model.Container init : pod.getSpec().getInitContainers()) {
                runInitContainer(name, pod, init, data);
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dquarkus.http.host=" + ip, "-Dquarkus.http.port=8080",
                    "-Dkv.replication-host=" + ip, "-Dkv.replication-port=7400", "-Dkv.resp-host=" + ip,
                    "-Dkv.admin-host=" + ip, "-Dquarkus.management.host=" + ip,
                    "-Dkv.node-id=" + name, "-Dkv.cluster-id=" + env.get("KV_CLUSTER_ID"),
                    "-Dkv.mode=" + env.get("KV_MODE"), "-Dkv.min-sync-replicas=" + env.get("KV_MIN_SYNC_REPLICAS"),
                    "-Dkv.data-dir=" + data.resolve("store"),
                    "-Dkv.advertised-http=" + (https ? "https" : "http") + "://" + ip + ":8080",
                    "-Dkv.advertised-replication=" + ip + ":7400"));
            if (env.containsKey("KV_TLS_DIR")) {
                // the TLS Secret's files, as the kubelet mounts them (and keeps them up to date: syncSecretFiles)
                String tlsSecret = pod.getSpec().getVolumes().stream().filter(v -> "tls".equals(v.getName())).findFirst()
                        .orElseThrow().getSecret().getSecretName();
                tlsSecretOf.put(name, tlsSecret);
                Path tlsDir = Files.createDirectories(volumes.resolve(name + "-tls"));
                if (!writeSecretFiles(tlsSecret, tlsDir)) {
                    throw new IllegalStateException("TLS Secret " + tlsSecret + " not there yet");
                }
                command.add("-Dkv.tls-dir=" + tlsDir);
                command.add("-Dkv.tls-reload-millis=500");
                if (env.containsKey("KV_HTTP_TLS")) {
                    command.add("-Dkv.http-tls=" + env.get("KV_HTTP_TLS"));
                }
            } else {
                tlsSecretOf.remove(name);
            }
            if (env.containsKey("KV_TLS_CLIENT_DIR")) {
                String clientTlsSecret = pod.getSpec().getVolumes().stream().filter(v -> "client-tls".equals(v.getName()))
                        .findFirst().orElseThrow().getSecret().getSecretName();
                Path clientTlsDir = Files.createDirectories(volumes.resolve(name + "-client-tls"));
                if (!writeSecretFiles(clientTlsSecret, clientTlsDir)) {
                    // as the kubelet: the container does not start while a Secret it mounts is missing
                    throw new IllegalStateException("Secret " + clientTlsSecret + " not there yet");
                }
                clientTlsSecretOf.put(name, clientTlsSecret);
                command.add("-Dkv.tls-client-dir=" + clientTlsDir);
            } else {
                clientTlsSecretOf.remove(name);
            }
            if (env.containsKey("KV_RESTORE_FROM")) {
                command.add("-Dkv.restore-from=" + onVolume(env.get("KV_RESTORE_FROM"), data));
                command.add("-Dkv.restore-if-present=" + env.getOrDefault("KV_RESTORE_IF_PRESENT", "false"));
                if (env.containsKey("KV_RESTORE_ID")) {
                    command.add("-Dkv.restore-id=" + env.get("KV_RESTORE_ID"));
                }
                if (env.containsKey("KV_RESTORE_LOG")) {
                    command.add("-Dkv.restore-log=" + onVolume(env.get("KV_RESTORE_LOG"), data));
                    command.add("-Dkv.restore-to=" + env.get("KV_RESTORE_TO"));
                }
            }
            var probe = pod.getSpec().getContainers().get(0).getReadinessProbe();
            String scheme = probe == null || probe.getHttpGet() == null || probe.getHttpGet().getScheme() == null
                    ? "HTTP" : probe.getHttpGet().getScheme();
            probeSchemeOf.put(name, scheme);
            command.addAll(List.of("-jar", storeJar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(volumes.resolve(name + ".log").toFile()));
            builder.environment().put("KV_SECRET_FILE", secretDir.resolve("secret").toString());
            running.put(name, builder.start());
            // the pod IP must reach the API server (a conflict with the StatefulSet controller's own
            // write is likely right now): until it did, the prober keeps writing the status
            readiness.remove(name);
            if (writeStatus(name, ip, false)) {
                readiness.put(name, false);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("fake kubelet could not start " + name + ": " + e);
        }
    }

    private void stop(String name) {
        Process process = running.remove(name);
        readiness.remove(name);
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** kill -9 of a pod's store process; the prober starts it again, as the kubelet restarts a crashed container. */
    void kill(String name) throws IOException, InterruptedException {
        Process process = running.get(name);
        signal(name, "KILL");
        if (process != null) {
            process.waitFor();
        }
    }

    /**
     * Sends a signal to a pod's store process (STOP: it hangs, as a store stuck on a dead disk or
     * a paused VM; CONT: it carries on, unaware that time passed).
     */
    void signal(String name, String signal) throws IOException, InterruptedException {
        Process process = running.get(name);
        if (process == null) {
            throw new IllegalStateException("no store process runs for " + name);
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** A path under the pod's /data mount, on this machine. */
    private static Path onVolume(String podPath, Path data) {
        if (!podPath.startsWith("/data/")) {
            throw new IllegalStateException("the fake kubelet maps /data only, not " + podPath);
        }
        return data.resolve(podPath.substring("/data/".length()));
    }

    /**
     * Runs the restore's init container as the kubelet would: its own command (sh, curl and coreutils of this
     * machine), its Secret's files mounted, /data the pod's volume.
     */
    private void runInitContainer(String name, Pod pod, io.fabric8.kubernetes.api.model.Container init, Path data)
            throws IOException {
        if (!"restore".equals(init.getName())) {
            throw new IllegalStateException("the fake kubelet runs the restore init container only, not " + init.getName());
        }
        Map<String, String> env = new java.util.HashMap<>();
        init.getEnv().forEach(var -> env.put(var.getName(), var.getValue()));
        String secretName = pod.getSpec().getVolumes().stream().filter(v -> "restore".equals(v.getName())).findFirst()
                .orElseThrow().getSecret().getSecretName();
        Path secretDir = volumes.resolve(name + "-restore");
        if (Files.exists(secretDir)) {
            try (var files = Files.list(secretDir)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
        }
        Files.createDirectories(secretDir);
        if (!writeSecretFiles(secretName, secretDir)) {
            throw new IllegalStateException("Secret " + secretName + " not there yet"); // as the kubelet: the pod waits
        }
        ProcessBuilder builder = new ProcessBuilder(init.getCommand()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(volumes.resolve(name + ".log").toFile()));
        builder.environment().put("KV_RESTORE_SECRET_DIR", secretDir.toString());
        builder.environment().put("KV_RESTORE_FILE", onVolume(env.get("KV_RESTORE_FILE"), data).toString());
        if (env.containsKey("KV_RESTORE_LOG_FILE")) {
            builder.environment().put("KV_RESTORE_LOG_FILE", onVolume(env.get("KV_RESTORE_LOG_FILE"), data).toString());
        }
        Process process = builder.start();
        try {
            if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("init container restore of " + name + " did not end within 120 s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running the init container of " + name, e);
        }
        initRuns.merge(name, 1, Integer::sum);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("init container restore of " + name + " failed (exit " + process.exitValue()
                    + "; see " + volumes.resolve(name + ".log") + ")");
        }
    }

    /** Where the pod's data volume (/data) is on this machine. */
    Path dataOf(String pod) {
        return volumes.resolve(pod);
    }

    /** How many times each pod's init container ran. */
    int initRuns(String pod) {
        return initRuns.getOrDefault(pod, 0);
    }

    private final Map<String, Integer> initRuns = new ConcurrentHashMap<>();

    /** Writes the Secret's keys as files, when they differ from what is there; false when there is no such Secret. */
    private boolean writeSecretFiles(String secretName, Path dir) throws IOException {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null || secret.getData() == null) {
            return false;
        }
        for (Map.Entry<String, String> entry : secret.getData().entrySet()) {
            byte[] content = Base64.getDecoder().decode(entry.getValue());
            Path file = dir.resolve(entry.getKey());
            if (!Files.exists(file) || !java.util.Arrays.equals(Files.readAllBytes(file), content)) {
                // whole files at once, as the kubelet's symlink swap shows them
                Path part = dir.resolve(entry.getKey() + ".part");
                Files.write(part, content);
                Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return true;
    }

    /** As the kubelet updates a mounted Secret: about once a second here (a real one: within its sync period). */
    private void syncSecretFiles() {
        for (Map.Entry<String, String> entry : tlsSecretOf.entrySet()) {
            try {
                writeSecretFiles(entry.getValue(), volumes.resolve(entry.getKey() + "-tls"));
            } catch (IOException | RuntimeException e) {
                System.err.println("fake kubelet could not update the TLS files of " + entry.getKey() + ": " + e);
            }
        }
        for (Map.Entry<String, String> entry : clientTlsSecretOf.entrySet()) {
            try {
                writeSecretFiles(entry.getValue(), volumes.resolve(entry.getKey() + "-client-tls"));
            } catch (IOException | RuntimeException e) {
                System.err.println("fake kubelet could not update the client TLS files of " + entry.getKey() + ": " + e);
            }
        }
        // one pod a round, in turn: kubelets on different nodes see a changed Secret at different times, so a
        // rotation's steps reach the stores one by one and the operator's wait for each store is exercised
        List<String> pods = clusterSecretOf.keySet().stream().sorted().toList();
        if (pods.isEmpty()) {
            return;
        }
        String pod = pods.get(Math.floorMod(secretSyncRound++, pods.size()));
        String secretName = clusterSecretOf.get(pod);
        try {
            if (secretName != null) {
                writeSecretFiles(secretName, volumes.resolve(pod + "-secret"));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("fake kubelet could not update the secret file of " + pod + ": " + e);
        }
    }

    private void probe() {
        if (++probes % 5 == 0) {
            syncSecretFiles();
        }
        for (String name : List.copyOf(running.keySet())) {
            Process process = running.get(name);
            if (process == null) {
                continue;
            }
            if (!process.isAlive()) {
                // a crashed container restarts, as the kubelet would do it
                running.remove(name);
                restarts.merge(name, 1, Integer::sum);
                Pod pod = client.pods().inNamespace(namespace).withName(name).get();
                if (pod != null && pod.getMetadata().getDeletionTimestamp() == null) {
                    launch(pod);
                }
                continue;
            }
            boolean ready;
            try {
                ready = http.send(HttpRequest.newBuilder(URI.create(probeUrlOf(name) + "/health/ready"))
                        .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                ready = false;
            } catch (InterruptedException e) {
                return;
            }
            // remember what the API server has only once it took it: a failed write is retried next round
            // (no entry yet: the pod's first status, with its IP, has not been taken)
            if (!Boolean.valueOf(ready).equals(readiness.get(name)) && writeStatus(name, ipOf(name), ready)) {
                readiness.put(name, ready);
            }
        }
    }

    private boolean writeStatus(String name, String ip, boolean ready) {
        String now = Instant.now().toString();
        Process process = running.get(name);
        // the container id changes with every start of the store process, as a real container's does
        var container = new ContainerStatusBuilder().withName("store").withReady(ready)
                .withImage("kvstore/store").withImageID("").withRestartCount(restarts.getOrDefault(name, 0))
                .withContainerID(process == null ? null : "fake://" + process.pid())
                .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build();
        PodCondition readyCondition = new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(now).build();
        PodStatus status = new PodStatusBuilder().withPhase("Running").withPodIP(ip)
                .withPodIPs(new PodIPBuilder().withIp(ip).build()).withHostIP("127.0.0.1").withStartTime(now)
                .withConditions(readyCondition,
                        new PodConditionBuilder().withType("ContainersReady").withStatus(ready ? "True" : "False")
                                .withLastTransitionTime(now).build())
                .withContainerStatuses(container)
                .build();
        try {
            client.pods().inNamespace(namespace).withName(name).editStatus(p -> {
                p.setStatus(status);
                return p;
            });
            return true;
        } catch (RuntimeException e) {
            return false; // a conflict, or the pod is gone meanwhile
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        prober.shutdownNow();
        List.copyOf(running.keySet()).forEach(this::stop);
    }
}
