package dev.kvstore.cli.local;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The local stand-in for the operator: watches the stores of a local cluster, decides failovers with
 * the shared {@link FailoverPolicy}, and tells stores their roles through the admin API. The epoch it
 * hands out is written to its state file before any store hears of it.
 */
public final class LocalSupervisor implements AutoCloseable {

    /** A failover that happened: who lost, who won, in which epoch, how long it took. */
    public record Failover(String from, String to, long epoch, Duration duration, String reason) {
    }

    private final List<NodeProcess> nodes;
    private final LocalClusterSettings settings;
    private final AdminClient admin;
    private final FailoverProcedure procedure;
    private final Path stateFile;
    private final Consumer<String> events;
    private final Map<String, Long> unreachableSinceNanos = new ConcurrentHashMap<>();
    private final List<Failover> failovers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, Long> deadSinceNanos = new ConcurrentHashMap<>();
    private final Runnable restarter;
    /** Admin calls go out in parallel; the common pool has a single thread on a 2-core machine. */
    private final java.util.concurrent.ExecutorService callPool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "supervisor-call");
        thread.setDaemon(true);
        return thread;
    });

    private volatile long epoch;
    private long unusedEpoch;
    private String lastDegradedReason;
    private volatile NodeProcess primary;
    private volatile boolean running = true;
    private Thread loop;

    public LocalSupervisor(List<NodeProcess> nodes, LocalClusterSettings settings, String secret, Path stateFile,
                           Consumer<String> events, Runnable restarter) throws IOException {
        this.nodes = nodes;
        this.settings = settings;
        this.admin = new AdminClient(secret, Duration.ofMillis(400));
        this.procedure = new FailoverProcedure(admin, callPool);
        this.stateFile = stateFile;
        this.events = events;
        this.restarter = restarter;
        this.epoch = Files.exists(stateFile) ? Long.parseLong(Files.readString(stateFile).trim()) : 0;
    }

    public long epoch() {
        return epoch;
    }

    public NodeProcess primary() {
        return primary;
    }

    public List<Failover> failovers() {
        return List.copyOf(failovers);
    }

    /** Chooses and installs the first primary once the stores answer, then watches in the background. */
    public void start(Duration bootTimeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + bootTimeout.toNanos();
        while (true) {
            Map<NodeProcess, NodeStatus> statuses = statusOfAll();
            if (statuses.size() == nodes.size()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + statuses.size() + " of " + nodes.size() + " stores answered within "
                        + bootTimeout + "; see their logs");
            }
            Thread.sleep(100);
        }
        while (!electPrimary(null, "cluster start", false)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("could not elect a first primary within " + bootTimeout);
            }
            Thread.sleep(100);
        }
        loop = new Thread(this::watch, "local-supervisor");
        loop.setDaemon(true);
        loop.start();
    }

    private void watch() {
        while (running) {
            try {
                tick();
                Thread.sleep(settings.pollInterval().toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | IOException e) {
                events.accept("supervisor error: " + e);
            }
        }
    }

    /** A failover that has begun and must be resumed, pass after pass, until it promotes someone. */
    private record Election(NodeProcess lost, String reason, boolean lostIsGone) {
    }

    private Election pendingElection;

    /**
     * One pass: stop stores that cannot persist, restart dead ones (always: a restarted store may be
     * the one an election waits for), then check the primary or resume a pending election, then bring
     * the others in line.
     */
    private void tick() throws IOException {
        Map<NodeProcess, NodeStatus> statuses = statusOfAll();
        stopStoresThatCannotPersist(statuses);
        long now = System.nanoTime();
        restartDeadStores(now, pendingElection != null);
        if (pendingElection == null) {
            pendingElection = primaryLost(statuses, now);
        }
        if (pendingElection != null) {
            Election election = pendingElection;
            if (!electPrimary(election.lost(), election.reason(), election.lostIsGone())) {
                return; // resumed next pass, whatever comes back first
            }
            pendingElection = null;
        }
        repointStragglers(statuses);
    }

    /**
     * The primary is healthy when it answers and says it is the primary of the current epoch, unfenced.
     * Not answering counts after the failover delay; an exited process, or an answer that says it is
     * not (or no longer) that primary, at once.
     */
    private Election primaryLost(Map<NodeProcess, NodeStatus> statuses, long now) {
        NodeProcess current = primary;
        if (current == null) {
            return null;
        }
        if (!current.alive()) {
            return new Election(current, "primary process exited", true);
        }
        NodeStatus status = statuses.get(current);
        if (status == null) {
            long since = unreachableSinceNanos.computeIfAbsent(current.name(), n -> now);
            if (now - since >= settings.failoverDelay().toNanos()) {
                return new Election(current, "primary not answering for " + Duration.ofNanos(now - since).toMillis()
                        + " ms", false);
            }
            return null;
        }
        unreachableSinceNanos.remove(current.name());
        if (!"primary".equals(status.role()) || status.epoch() != epoch || status.fenced()) {
            return new Election(current, "primary answers as " + status.role() + (status.fenced() ? " (fenced)" : "")
                    + " in epoch " + status.epoch() + ", not as the primary of epoch " + epoch, false);
        }
        return null;
    }

    /** Brings stragglers in line: a restarted store, or a deposed primary that came back. */
    private void repointStragglers(Map<NodeProcess, NodeStatus> statuses) {
        NodeProcess leader = primary;
        if (leader == null) {
            return;
        }
        for (var entry : statuses.entrySet()) {
            NodeProcess node = entry.getKey();
            NodeStatus status = entry.getValue();
            if (node == leader) {
                continue;
            }
            boolean followsLeader = "secondary".equals(status.role()) && status.epoch() == epoch
                    && leader.replicationAddress().equals(status.primary());
            if (!followsLeader) {
                try {
                    admin.follow(node.httpUrl(), epoch, leader.replicationAddress(), leader.httpUrl());
                    events.accept(node.name() + " (was " + status.role() + " in epoch " + status.epoch()
                            + ") now follows " + leader.name() + " in epoch " + epoch);
                } catch (IOException e) {
                    events.accept("could not repoint " + node.name() + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * A store process that ended is started again a second later, as a StatefulSet would; at once
     * while an election waits (the restarted store may be the answer it waits for).
     */
    private void restartDeadStores(long now, boolean electionWaiting) {
        if (!settings.restartDeadNodes()) {
            return;
        }
        for (NodeProcess node : nodes) {
            if (node.alive()) {
                deadSinceNanos.remove(node.name());
            } else if (electionWaiting || now - deadSinceNanos.computeIfAbsent(node.name(), n -> now) > 1_000_000_000L) {
                deadSinceNanos.remove(node.name());
                events.accept("restarting " + node.name());
                restarter.run();
            }
        }
    }

    /**
     * A store whose log can no longer make writes durable reports it, and its liveness is down: it is
     * stopped here (and restarted below a second later), as a kubelet restarts a container whose
     * liveness fails. A primary among them is then a process that exited, which fails it over at once.
     */
    private void stopStoresThatCannotPersist(Map<NodeProcess, NodeStatus> statuses) {
        statuses.entrySet().removeIf(entry -> {
            if (entry.getValue().canPersist()) {
                return false;
            }
            events.accept(entry.getKey().name() + " stopped: " + entry.getValue().diskFailure());
            entry.getKey().kill();
            return true;
        });
    }

    /**
     * One failover (or the first election): new epoch recorded first, then every other store fenced at
     * it (so none acknowledges the old primary any more), then the policy's choice promoted and the
     * rest pointed at it.
     */
    private synchronized boolean electPrimary(NodeProcess lost, String reason, boolean lostIsGone) throws IOException {
        long seen = Math.max(epoch, maxSeenEpoch());
        // a failed attempt (degraded) is retried in the same epoch, so waiting burns no epochs
        long newEpoch = unusedEpoch > 0 && unusedEpoch >= seen ? unusedEpoch : seen + 1;
        FailoverProcedure.Outcome outcome;
        try {
            outcome = procedure.run(nodes, lost, lostIsGone, newEpoch, recorded -> {
                writeState(recorded);
                epoch = recorded;
                unusedEpoch = recorded;
            }, mode(), settings.minSyncReplicas(), false);
        } catch (IOException | RuntimeException e) {
            // a promotion may have been sent (a promote call that timed out may still arrive): an epoch
            // is reused only after a wait that promoted no one, or two stores could be primary in one epoch
            unusedEpoch = 0;
            throw e;
        }
        if (!outcome.promoted()) {
            if (!outcome.reason().equals(lastDegradedReason)) {
                events.accept("DEGRADED (epoch " + newEpoch + "): " + outcome.reason());
                lastDegradedReason = outcome.reason();
            }
            return false;
        }
        lastDegradedReason = null;
        unusedEpoch = 0;
        NodeProcess winner = nodes.stream().filter(n -> n.name().equals(outcome.winner())).findFirst().orElseThrow();
        primary = winner;
        unreachableSinceNanos.clear();
        outcome.notRepointed().forEach(name -> events.accept("could not point " + name + " at the new primary yet"));
        if (lost == null) {
            events.accept("epoch " + newEpoch + ": " + winner.name() + " is primary (" + outcome.reason() + ")");
        } else {
            failovers.add(new Failover(lost.name(), winner.name(), newEpoch, outcome.took(), reason));
            events.accept("FAILOVER epoch " + newEpoch + ": " + lost.name() + " -> " + winner.name() + " in "
                    + outcome.took().toMillis() + " ms (" + reason + "; " + outcome.reason() + ")");
        }
        return true;
    }

    private ReplicationMode mode() {
        return ReplicationMode.parse(settings.mode());
    }

    private long maxSeenEpoch() {
        return statusOfAll().values().stream().mapToLong(NodeStatus::epoch).max().orElse(0);
    }

    private Map<NodeProcess, NodeStatus> statusOfAll() {
        Map<NodeProcess, CompletableFuture<NodeStatus>> calls = new java.util.LinkedHashMap<>();
        for (NodeProcess node : nodes) {
            calls.put(node, CompletableFuture.supplyAsync(() -> {
                try {
                    return admin.status(node.httpUrl());
                } catch (IOException e) {
                    return null;
                }
            }, callPool));
        }
        Map<NodeProcess, NodeStatus> answered = new java.util.LinkedHashMap<>();
        calls.forEach((node, call) -> {
            NodeStatus status = call.join();
            if (status != null) {
                answered.put(node, status);
            }
        });
        return answered;
    }

    /** The epoch is on disk, rename included, before any store hears of it. */
    private void writeState(long newEpoch) throws IOException {
        Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(newEpoch));
        new DurableFiles(DiskSync.SYSTEM).replace(tmp, stateFile);
    }

    @Override
    public void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
        callPool.shutdownNow();
    }
}
