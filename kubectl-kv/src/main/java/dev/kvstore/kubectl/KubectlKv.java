package dev.kvstore.kubectl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kubectl kv}: a kubectl plugin for KV Clusters. kubectl runs it as {@code kubectl-kv} found on PATH;
 * it reads the same kubeconfig (KUBECONFIG, ~/.kube/config) and namespace as kubectl.
 */
@Command(name = "kubectl kv", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "kubectl-kv 0.1.0",
        description = "See and steer KV Clusters: status, planned switchover, rolling restart, maintenance fences, logs, "
                + "a failover drill, and backups.",
        subcommands = {KubectlKv.Status.class, KubectlKv.Promote.class, KubectlKv.Restart.class, KubectlKv.Logs.class,
                KubectlKv.Drill.class, KubectlKv.Backup.class, FenceCommands.Fence.class, FenceCommands.Unfence.class})
public final class KubectlKv {

    public static void main(String[] args) {
        int code = new CommandLine(new KubectlKv()).setExecutionExceptionHandler((failure, command, parsed) -> {
            command.getErr().println("kubectl kv " + command.getCommandName() + ": " + describe(failure));
            return 1;
        }).execute(args);
        System.exit(code);
    }

    /** A failure and its causes in one line: Fabric8's own message ("An error has occurred.") says little alone. */
    static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (seen.add(message)) {
                text.append(text.isEmpty() ? "" : ": ").append(message);
            }
        }
        return text.toString();
    }

    /** The namespace option every command has, and the client. */
    static class Target {
        @Option(names = {"-n", "--namespace"}, description = "the cluster's namespace (default: the kubeconfig context's)")
        String namespace;

        ClusterAccess access(KubernetesClient client, String cluster) {
            String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
            return new ClusterAccess(client, ns, cluster);
        }
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    @Command(name = "status", description = "The cluster's stores (role, readiness, epoch, offset, lag, pod phase, "
            + "restarts, node), its last failovers, when its certificates expire, its latest backups and its "
            + "conditions. Colours on a terminal; -o json for scripts.")
    static class Status implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Option(names = {"-o", "--output"}, description = "table (default) or json")
        String output = "table";

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                GenericKubernetesResource resource = access.cluster();
                List<ClusterView.PodFacts> pods = new ArrayList<>();
                for (Pod pod : access.pods()) {
                    int restarts = pod.getStatus().getContainerStatuses() == null ? 0
                            : pod.getStatus().getContainerStatuses().stream().mapToInt(s -> s.getRestartCount()).sum();
                    pods.add(new ClusterView.PodFacts(pod.getMetadata().getName(), pod.getStatus().getPhase(), restarts,
                            pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName(),
                            pod.getMetadata().getLabels() == null ? null
                                    : pod.getMetadata().getLabels().get(ClusterAccess.ROLE_LABEL)));
                }
                List<Map<String, Object>> backups = new ArrayList<>();
                try {
                    // null (shown as "could not be listed") when the user may not list them
                    for (GenericKubernetesResource backup : client.genericKubernetesResources("kvstore.dev/v1alpha1",
                            "KVBackup").inNamespace(access.namespace()).list().getItems()) {
                        backups.add(new ObjectMapper().convertValue(backup,
                                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
                    }
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    // the rest of the status is worth showing: a user who may not list KVBackups is told so
                    System.err.println("kubectl kv: the KVBackups could not be listed (" + e.getCode() + "): "
                            + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage()));
                    backups = null;
                }
                ClusterView view = ClusterView.of(cluster, access.namespace(), ClusterAccess.status(resource), pods,
                        backups, java.time.Instant.now());
                switch (output) {
                    case "json" -> System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(view));
                    case "table" -> System.out.print(new StatusTable(System.console() != null
                            && System.getenv("NO_COLOR") == null).render(view));
                    default -> throw new CommandLine.ParameterException(new CommandLine(this),
                            "-o " + output + ": table or json");
                }
                return 0;
            }
        }
    }

    @Command(name = "promote", description = "A planned switchover: the named pod becomes primary without losing a "
            + "write (the operator pauses writes, lets it catch up, promotes it, points the others at it). Sets "
            + "spec.switchover.targetPod and waits until the operator reports the new primary.")
    static class Promote implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Parameters(index = "1", description = "the pod to make primary (<cluster>-<ordinal>)")
        String pod;

        @Option(names = "--timeout", description = "seconds to wait for the switchover (default ${DEFAULT-VALUE})")
        int timeoutSeconds = 120;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                GenericKubernetesResource resource = access.cluster();
                access.requirePod(pod);
                String before = ClusterAccess.primaryOf(resource);
                String standing = Drill.switchoverTarget(resource);
                if (pod.equals(before) && (standing == null || standing.equals(pod))) {
                    say(pod + " is the primary already (epoch " + ClusterAccess.epochOf(resource) + "); nothing changed");
                    return 0;
                }
                long started = System.nanoTime();
                access.resource().patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"switchover\":{\"targetPod\":\"" + pod + "\"}}}");
                try {
                    await("the operator to make " + pod + " primary", Duration.ofSeconds(timeoutSeconds), () -> {
                    GenericKubernetesResource now = access.resource().get();
                    Pod promoted = client.pods().inNamespace(access.namespace()).withName(pod).get();
                    return now != null && pod.equals(ClusterAccess.primaryOf(now)) && promoted != null
                            && promoted.getMetadata().getLabels() != null
                            && "primary".equals(promoted.getMetadata().getLabels().get(ClusterAccess.ROLE_LABEL));
                    });
                } catch (IllegalStateException timedOut) {
                    // not left behind to act hours later, once the target catches up
                    access.resource().patch(PatchContext.of(PatchType.JSON_MERGE), standing == null
                            ? "{\"spec\":{\"switchover\":null}}"
                            : "{\"spec\":{\"switchover\":{\"targetPod\":\"" + standing + "\"}}}");
                    throw new IllegalStateException(timedOut.getMessage() + " (the request is withdrawn: "
                            + "spec.switchover as it was; kubectl kv status " + cluster + " says why, in its conditions)");
                }
                say(pod + " is primary (epoch " + ClusterAccess.epochOf(access.resource().get()) + ", was " + before
                        + ") after " + (System.nanoTime() - started) / 1_000_000 + " ms; spec.switchover.targetPod keeps"
                        + " it there while it is healthy");
                return 0;
            }
        }
    }

    @Command(name = "backup", description = "Takes a backup now: makes a KVBackup <cluster>-<yyyyMMddHHmmss> (the "
            + "cluster's spec.backup says where it goes) and waits until the operator has taken it; prints what it "
            + "holds and where, or why it failed (exit status 1).")
    static class Backup implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Option(names = "--store", description = "the pod to take it from (default: a secondary in sync, else the primary)")
        String store;

        @Option(names = "--timeout", description = "seconds to wait for it (default ${DEFAULT-VALUE})")
        int timeoutSeconds = 600;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                access.cluster(); // a clear message when there is no such cluster
                String name = cluster + "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss")
                        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
                Map<String, Object> spec = new java.util.LinkedHashMap<>();
                spec.put("cluster", cluster);
                if (store != null) {
                    spec.put("store", store);
                }
                var backups = client.genericKubernetesResources("kvstore.dev/v1alpha1", "KVBackup")
                        .inNamespace(access.namespace());
                backups.resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                        .withApiVersion("kvstore.dev/v1alpha1").withKind("KVBackup")
                        .withNewMetadata().withName(name).withNamespace(access.namespace()).endMetadata()
                        .withAdditionalProperties(Map.of("spec", spec)).build()).create();
                say("KVBackup " + name + " made; waiting for the operator to take it");
                await("KVBackup " + name + " to complete", Duration.ofSeconds(timeoutSeconds), () -> {
                    String phase = String.valueOf(statusOf(backups.withName(name).get()).get("phase"));
                    return phase.equals("Completed") || phase.equals("Failed");
                });
                Map<String, Object> status = statusOf(backups.withName(name).get());
                if (!"Completed".equals(status.get("phase"))) {
                    System.err.println("backup " + name + " failed: " + status.get("message"));
                    return 1;
                }
                say("backup " + status.get("backupName") + " of " + status.get("store") + ": " + status.get("keys")
                        + " keys up to offset " + status.get("offset") + " (epoch " + status.get("epoch") + "), "
                        + status.get("bytes") + " bytes; manifest " + status.get("manifest"));
                return 0;
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> statusOf(GenericKubernetesResource backup) {
            Object status = backup == null ? null : backup.getAdditionalProperties().get("status");
            return status instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        }
    }

    @Command(name = "restart", description = "A rolling restart of every store, secondaries first, the primary last "
            + "after a switchover to a restarted secondary (the operator's rolling update): sets the annotation "
            + "kvstore.dev/restart on the KVCluster and waits until every pod runs the new template and the cluster is "
            + "Ready.")
    static class Restart implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Option(names = "--timeout", description = "seconds to wait for the restart (default ${DEFAULT-VALUE})")
        int timeoutSeconds = 600;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                access.cluster();
                if (access.statefulSet().getSpec().getReplicas() < 2) {
                    throw new IllegalArgumentException("the KVCluster " + cluster + " has one store: a rolling restart "
                            + "needs a secondary to switch over to (delete its pod to restart it, with writes refused "
                            + "until it is back)");
                }
                var current = access.statefulSet().getStatus();
                String oldRevision = current == null ? null : current.getUpdateRevision();
                String request = Instant.now().toString();
                long started = System.nanoTime();
                access.resource().patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"kvstore.dev/restart\":\"" + request + "\"}}}");
                say("restart requested (" + request + "); the operator restarts the secondaries, switches over, then "
                        + "restarts the old primary");
                long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
                await("the StatefulSet's new revision (an operator before 0.2 does not know kvstore.dev/restart)",
                        Duration.ofSeconds(60), () -> {
                    var set = access.statefulSet();
                    return set.getStatus() != null && set.getStatus().getUpdateRevision() != null
                            && !set.getStatus().getUpdateRevision().equals(oldRevision);
                });
                java.util.Set<String> restarted = new java.util.TreeSet<>();
                int replicas = access.statefulSet().getSpec().getReplicas();
                await("every store restarted and the cluster Ready",
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), () -> {
                    List<Pod> pods = access.pods();
                    // the newest revision (another template change may land meanwhile: its pods count as restarted)
                    String revision = access.statefulSet().getStatus().getUpdateRevision();
                    for (Pod pod : pods) {
                        boolean updated = revision.equals(pod.getMetadata().getLabels().get("controller-revision-hash"))
                                && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
                        if (updated && restarted.add(pod.getMetadata().getName())) {
                            say("  " + pod.getMetadata().getName() + " restarted and ready ("
                                    + (System.nanoTime() - started) / 1_000_000 + " ms)");
                        }
                    }
                    GenericKubernetesResource now = access.resource().get();
                    var status = now == null ? null : ClusterAccess.status(now);
                    return restarted.size() == replicas && pods.size() == replicas && status != null
                            && "Ready".equals(status.get("phase"));
                });
                GenericKubernetesResource after = access.resource().get();
                say("restarted " + restarted.size() + " stores in " + (System.nanoTime() - started) / 1_000_000
                        + " ms; primary " + ClusterAccess.primaryOf(after) + ", epoch " + ClusterAccess.epochOf(after));
                return 0;
            }
        }
    }

    @Command(name = "logs", description = "The logs of every store of the cluster, each line prefixed with its pod.")
    static class Logs implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Option(names = "--tail", description = "lines per pod (default ${DEFAULT-VALUE}; -1: all)")
        int tail = 100;

        @Option(names = {"-f", "--follow"}, description = "keep printing new lines until interrupted")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                access.cluster();
                List<Thread> followers = new ArrayList<>();
                for (Pod pod : access.pods()) {
                    String name = pod.getMetadata().getName();
                    var log = client.pods().inNamespace(access.namespace()).withName(name).inContainer("store");
                    var lines = tail >= 0 ? log.tailingLines(tail) : log;
                    if (!follow) {
                        String text = lines.getLog();
                        text.lines().forEach(line -> say("[" + name + "] " + line));
                        continue;
                    }
                    Thread follower = new Thread(() -> {
                        try (var watch = lines.watchLog();
                             var reader = new java.io.BufferedReader(new java.io.InputStreamReader(watch.getOutput(),
                                     StandardCharsets.UTF_8))) {
                            for (String line; (line = reader.readLine()) != null; ) {
                                say("[" + name + "] " + line);
                            }
                        } catch (java.io.IOException e) {
                            say("[" + name + "] (log ended: " + e.getMessage() + ")");
                        }
                    });
                    follower.start();
                    followers.add(follower);
                }
                for (Thread follower : followers) {
                    follower.join();
                }
                return 0;
            }
        }
    }

    @Command(name = "drill", description = "A failover drill: writes through <cluster>-rw from a pod in the cluster, "
            + "deletes the primary pod (or kills its store process with --kill), waits for the new primary, reads "
            + "back every acknowledged write, and prints the time without acknowledged writes and whether anything "
            + "was lost. Exit status: 0 nothing lost, 4 an acknowledged write lost, 3 some acknowledged writes could not "
            + "be read back, 1 the drill could not be run (a step that timed out, the cluster not found).")
    static class Drill implements Callable<Integer> {
        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Option(names = "--kill", description = "kill the primary's store process instead of deleting its pod")
        boolean kill;

        @Option(names = "--rate", description = "writes per second (default: as fast as one client goes, one at a time)")
        double rate;

        @Option(names = "--after", description = "seconds of writes after the first acknowledged one on the new "
                + "primary (default ${DEFAULT-VALUE})")
        int afterSeconds = 5;

        @Option(names = "--timeout", description = "seconds to wait for each step (default ${DEFAULT-VALUE})")
        int timeoutSeconds = 180;

        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                GenericKubernetesResource resource = access.cluster();
                String before = ClusterAccess.primaryOf(resource);
                if (before == null || before.isEmpty()) {
                    throw new IllegalStateException("the KVCluster " + cluster + " has no primary now: nothing to drill");
                }
                long epochBefore = ClusterAccess.epochOf(resource);
                String stamp = Long.toString(System.currentTimeMillis(), 36);
                String writer = cluster + "-drill-" + stamp;
                String prefix = "kv-drill-" + stamp;
                String pause = rate > 0 ? String.format(java.util.Locale.ROOT, "%.4f", 1 / rate) : "0";
                Pod pod = DrillPod.of(writer, access.namespace(), cluster, access.storeImage(), prefix, pause,
                        access.usersSecret(resource), access.tls() ? cluster + "-ca-cert" : null);
                var pods = client.pods().inNamespace(access.namespace());
                pods.resource(pod).create();
                try {
                    Duration timeout = Duration.ofSeconds(timeoutSeconds);
                    say("writer " + writer + " writes " + prefix + "-N through " + cluster + "-rw; primary " + before
                            + ", epoch " + epochBefore);
                    await("the writer pod " + writer + " to run", timeout, () -> {
                        Pod now = pods.withName(writer).get();
                        String phase = now == null ? null : now.getStatus().getPhase();
                        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
                            throw new IllegalStateException("the writer pod " + writer + " ended (" + phase + "): "
                                    + logOf(pods, writer));
                        }
                        return "Running".equals(phase);
                    });
                    await("the writer's first acknowledged write", timeout,
                            () -> acknowledgedAfter(logOf(pods, writer), 0));
                    // times on the writer's clock, as its log's: this machine's may differ from the cluster's
                    long faultMicros = writerClock(pods, writer);
                    if (kill) {
                        say("killing the store process of " + before);
                        exec(pods.withName(before).inContainer("store").redirectingOutput(), "bash", "-c",
                                "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = java ] && kill -9 ${p#/proc/}; done; true");
                    } else {
                        say("deleting the primary pod " + before);
                        pods.withName(before).delete();
                    }
                    await("a new primary", timeout, () -> {
                        GenericKubernetesResource now = access.resource().get();
                        String primary = now == null ? null : ClusterAccess.primaryOf(now);
                        return primary != null && !primary.isEmpty() && ClusterAccess.epochOf(now) > epochBefore;
                    });
                    // the old primary may still acknowledge for a moment after the fault was asked for (a pod's grace
                    // period): only a write acknowledged after the new term was seen is the new primary's
                    long newTermMicros = writerClock(pods, writer);
                    await("a write acknowledged by the new primary", timeout,
                            () -> acknowledgedAfter(logOf(pods, writer), newTermMicros));
                    Thread.sleep(afterSeconds * 1000L);
                    exec(pods.withName(writer).inContainer("writer").redirectingOutput(), "touch", "/tmp/stop");
                    await("the writer to stop", timeout, () -> logOf(pods, writer).contains("stopped"));
                    String log = logOf(pods, writer);
                    ReadBack readBack = readBack(pods, writer, DrillReport.lastIndex(log));
                    DrillReport report = DrillReport.of(log, readBack.values(), faultMicros);
                    GenericKubernetesResource after = access.resource().get();
                    say("new primary " + ClusterAccess.primaryOf(after) + ", epoch " + ClusterAccess.epochOf(after));
                    say("writes: " + report.attempted() + " sent, " + report.acknowledged() + " acknowledged");
                    if (before.equals(switchoverTarget(resource))) {
                        say("note: spec.switchover.targetPod names " + before + ": the operator makes it primary again"
                                + " once it is back and caught up");
                    }
                    say("time without acknowledged writes: " + (report.unavailableMillis() < 0 ? "none after the fault"
                            : report.unavailableMillis() + " ms"));
                    report.failedAfterFirstAck().forEach((reply, count) -> say("  not acknowledged: " + count + " x "
                            + reply));
                    if (!report.lost().isEmpty()) {
                        say("LOST: " + report.lost().size() + " acknowledged writes do not read back, e.g. " + prefix
                                + "-" + report.lost().get(0));
                        return 4;
                    }
                    if (!report.unread().isEmpty()) {
                        say("not known: " + report.unread().size() + " acknowledged writes could not be read back, from "
                                + prefix + "-" + report.unread().get(0) + " on (" + readBack.trouble() + ")");
                        return 3;
                    }
                    say("lost: none (all " + report.acknowledged() + " acknowledged writes read back)");
                    return 0;
                } finally {
                    pods.withName(writer).withGracePeriod(0).delete();
                }
            }
        }

        @SuppressWarnings("unchecked")
        static String switchoverTarget(GenericKubernetesResource cluster) {
            Object spec = cluster.getAdditionalProperties().get("spec");
            if (spec instanceof java.util.Map<?, ?> map && map.get("switchover") instanceof java.util.Map<?, ?> switchover
                    && switchover.get("targetPod") instanceof String pod) {
                return pod;
            }
            return null;
        }

        /**
         * The values read back, by key index; keys missing from it could not be read: those of the batch that
         * failed {@link #READ_TRIES} times and every key after it ({@code trouble} says why that batch failed).
         */
        record ReadBack(Map<Long, String> values, String trouble) {
        }

        /** Keys per redis-cli run, and tries per batch (one a second) before its keys and the rest count as unread. */
        static final int READ_BATCH = 1000;
        static final int READ_TRIES = 10;

        private static ReadBack readBack(io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Pod,
                io.fabric8.kubernetes.api.model.PodList, io.fabric8.kubernetes.client.dsl.PodResource> pods, String writer,
                long last) throws InterruptedException {
            Map<Long, String> values = new java.util.HashMap<>();
            for (long from = 1; from <= last; from += READ_BATCH) {
                long to = Math.min(last, from + READ_BATCH - 1);
                ReadBackBatch batch = null;
                for (int tries = 1; tries <= READ_TRIES && (batch == null || !batch.complete()); tries++) {
                    if (batch != null) {
                        say("  reading back again: " + batch.trouble());
                        Thread.sleep(1000);
                    }
                    try {
                        ContainerExec.Result run = ContainerExec.run(pods.withName(writer).inContainer("writer"),
                                Duration.ofSeconds(60), "bash", "-c", DrillPod.READER, "reader", Long.toString(from),
                                Long.toString(to));
                        batch = ReadBackBatch.parse(run.out(), from, to);
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception execFailed) {
                        batch = new ReadBackBatch(from, to, Map.of(), "keys " + from + ".." + to + ": " + execFailed);
                    }
                }
                if (!batch.complete()) {
                    return new ReadBack(values, batch.trouble()); // the cluster does not answer: the rest unread
                }
                values.putAll(batch.values());
            }
            return new ReadBack(values, null);
        }

        /** Now on the writer pod's clock, in microseconds since the epoch (bash's EPOCHREALTIME, as its log). */
        private static long writerClock(io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Pod,
                io.fabric8.kubernetes.api.model.PodList, io.fabric8.kubernetes.client.dsl.PodResource> pods, String writer)
                throws Exception {
            ContainerExec.Result clock = ContainerExec.run(pods.withName(writer).inContainer("writer"),
                    Duration.ofSeconds(120), "bash", "-c", "echo ${EPOCHREALTIME/./}");
            if (clock.exitCode() != 0) {
                throw new IllegalStateException("reading the writer pod's clock failed (" + clock.exitCode() + "): "
                        + clock.err());
            }
            return Long.parseLong(clock.out().strip());
        }

        /** The writer's log so far; empty while it cannot be read (the API server answers 400 until the container runs). */
        private static String logOf(io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Pod,
                io.fabric8.kubernetes.api.model.PodList, io.fabric8.kubernetes.client.dsl.PodResource> pods, String writer) {
            try {
                String log = pods.withName(writer).inContainer("writer").getLog();
                return log == null ? "" : log;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException notYet) {
                return "";
            }
        }

        private static boolean acknowledgedAfter(String log, long micros) {
            return DrillReport.parse(log == null ? "" : log).stream().anyMatch(w -> w.ok() && w.micros() > micros);
        }

        private static void exec(io.fabric8.kubernetes.client.dsl.TtyExecErrorable command, String... argv)
                throws Exception {
            try (ExecWatch watch = command.exec(argv)) {
                watch.exitCode().get(60, TimeUnit.SECONDS);
            }
        }
    }
}
