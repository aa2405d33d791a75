package dev.kvstore.cli.local;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.core.supervision.ElectionState;
import dev.kvstore.core.supervision.Elector;
import dev.kvstore.core.supervision.PrimaryHealth;
import dev.kvstore.core.supervision.PrimaryWatch;
import dev.kvstore.core.supervision.Repointer;
import dev.kvstore.core.supervision.StatusPoll;
import dev.kvstore.core.supervision.Switchover;
import dev.kvstore.core.supervision.Unaddressed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The local stand-in for the operator: watches the stores of a local cluster and tells them their
 * roles through the admin API, with the same supervision code as the operator ({@code
 * dev.kvstore.core.supervision}: status polling, the primary's health rule, the election and its
 * resume rule, repointing). What is its own: a primary is also lost when its process exits, and the
 * epoch it hands out is written to its state file before any store hears of it.
 */
public final class LocalSupervisor implements AutoCloseable {

    /** A failover that happened: who lost, who won, in which epoch, how long it took. */
    public record Failover(String from, String to, long epoch, Duration duration, String reason) {
    }

    /** A switchover is tried only for a target at most this far behind: the primary's writes pause while it catches up. */
    static final long CLOSE_BEHIND_ENTRIES = 10_000;
    private static final long SWITCHOVER_RETRY_NANOS = 2_000_000_000L;
    /**
     * No try is begun for a client with less time left than this: a try that switches takes a few hundred
     * milliseconds (the target's catch-up, the fences, the promotion); one whose target cannot catch up ends after 4 s
     * without switching.
     */
    private static final long TRY_MILLIS = 1_000;

    private final List<NodeProcess> nodes;
    private final LocalClusterSettings settings;
    private final AdminClient admin;
    private final Elector elector;
    private final Repointer repointer;
    private final PrimaryWatch watch = new PrimaryWatch();
    private final ElectionState elections = new ElectionState();
    private final Path stateFile;
    private final SwitchoverRequest switchovers;
    private final Consumer<String> events;
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
    /** No switchover is tried again before this (System.nanoTime()): each try pauses the primary's writes. */
    private long switchoverRetryNanos = System.nanoTime();
    private String lastDegradedReason;
    private volatile NodeProcess primary;
    private volatile boolean running = true;
    private Thread loop;

    /** @param secrets the cluster secrets of the moment (the secret file, which a rotation rewrites) */
    public LocalSupervisor(List<NodeProcess> nodes, LocalClusterSettings settings,
                           java.util.function.Supplier<dev.kvstore.core.admin.ClusterSecrets> secrets, Path stateFile,
                           Consumer<String> events, Runnable restarter) throws IOException {
        this.nodes = nodes;
        this.settings = settings;
        // a store of the previous release (a rolling update in progress) has its admin API on its HTTP port
        this.admin = new AdminClient(secrets, Duration.ofMillis(400), adminUrl -> nodes.stream()
                .filter(node -> node.adminUrl().equals(adminUrl)).map(NodeProcess::httpUrl).findFirst().orElse(null),
                LocalTls.adminContext(settings));
        this.elector = new Elector(new FailoverProcedure(admin, callPool));
        this.repointer = new Repointer(admin);
        this.stateFile = stateFile;
        this.switchovers = new SwitchoverRequest(stateFile.toAbsolutePath().getParent());
        switchovers.clearAll(); // a request left by an earlier kv local is not carried out by this one
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
            Map<NodeProcess, NodeStatus> statuses = poll().all();
            if (statuses.size() == nodes.size()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("only " + statuses.size() + " of " + nodes.size() + " stores answered within "
                        + bootTimeout + "; see their logs");
            }
            Thread.sleep(100);
        }
        while (!electPrimary(null, "cluster start", false, poll())) {
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

    /**
     * One pass: stop stores that cannot persist, restart dead ones (always: a restarted store may be
     * the one an election waits for), then check the primary or resume a pending election, then bring
     * the others in line.
     */
    private void tick() throws IOException {
        long asked = System.nanoTime();
        StatusPoll<NodeProcess> poll = poll();
        stopStoresThatCannotPersist(poll.all());
        long now = System.nanoTime();
        restartDeadStores(now, elections.pending() != null);
        NodeProcess current = primary;
        if (current == null) {
            return;
        }
        if (elections.pending() == null) {
            primaryLost(current, poll.answering().get(current), asked, now)
                    .ifPresent(lost -> elections.begin(lost));
        }
        ElectionState.Election election = elections.pending();
        if (election != null) {
            NodeProcess lost = nodes.stream().filter(n -> n.name().equals(election.lost())).findFirst().orElseThrow();
            if (!electPrimary(lost, election.reason(), election.lostIsGone(), poll)) {
                return; // resumed next pass, whatever comes back first
            }
        } else if (switchoverIfAsked(poll)) {
            return; // every store was pointed at the new primary; this pass's statuses are of before
        }
        repointStragglers(poll.answering());
    }

    /**
     * A planned switchover asked by {@code kv promote} ({@link SwitchoverRequest}), carried out in this pass with the
     * operator's code ({@link Switchover}: writes pause until the target holds the primary's last entry, then every
     * store is fenced at a new epoch and the most up-to-date one, the target on a tie, is promoted). Only while the
     * primary is not in question (no election pending). Answers whether the primary changed.
     */
    private synchronized boolean switchoverIfAsked(StatusPoll<NodeProcess> poll) throws IOException {
        java.util.Optional<SwitchoverRequest.Asked> asked = switchovers.pending(System.currentTimeMillis());
        NodeProcess current = primary;
        if (asked.isEmpty() || current == null) {
            return false;
        }
        SwitchoverRequest.Asked request = asked.get();
        NodeProcess target = nodes.stream().filter(n -> n.name().equals(request.store())).findFirst().orElse(null);
        if (target == null) {
            switchovers.answer(request, SwitchoverRequest.Outcome.REFUSED, "no store named " + request.store() + " (its "
                    + "stores: " + String.join(", ", nodes.stream().map(NodeProcess::name).toList()) + ")");
            return false;
        }
        if (target == current) {
            switchovers.answer(request, SwitchoverRequest.Outcome.DONE, target.name() + " is the primary (epoch " + epoch
                    + ")");
            return false;
        }
        NodeStatus targetStatus = poll.answering().get(target);
        if (targetStatus != null && targetStatus.maintenanceFenced()) {
            switchovers.answer(request, SwitchoverRequest.Outcome.REFUSED, target.name() + " is fenced for maintenance "
                    + "and is never promoted: kv unfence " + target.name() + " first");
            return false;
        }
        NodeStatus primaryStatus = poll.answering().get(current);
        String notYet = targetStatus == null || !targetStatus.following() ? target.name() + " does not follow the primary now"
                : primaryStatus == null ? "the primary " + current.name() + " does not answer"
                : primaryStatus.lastOffset() - targetStatus.lastOffset() > CLOSE_BEHIND_ENTRIES ? target.name() + " is "
                + (primaryStatus.lastOffset() - targetStatus.lastOffset()) + " entries behind the primary"
                : System.nanoTime() - switchoverRetryNanos < 0 ? "the last try did not switch; tried again shortly"
                // not begun for a client about to stop waiting: it would switch after the client said it did not
                : request.deadlineMillis() - System.currentTimeMillis() < TRY_MILLIS ? "too little time left to try"
                : null;
        if (notYet != null) {
            // each try pauses the primary's writes until the target holds its last entry: only a target that follows
            // closely is tried, and not again at once after a try that did not switch
            switchovers.answer(request, SwitchoverRequest.Outcome.WAITING, notYet);
            return false;
        }
        List<FailoverProcedure.Member> members = nodes.stream().<FailoverProcedure.Member>map(node ->
                poll.answering().containsKey(node) ? node : Unaddressed.of(node)).toList();
        Switchover.Outcome outcome;
        java.util.concurrent.atomic.AtomicLong recordedEpoch = new java.util.concurrent.atomic.AtomicLong();
        try {
            outcome = new Switchover(admin, callPool).run(members, current, target, poll.highestEpoch(epoch), recorded -> {
                writeState(recorded);
                epoch = recorded;
                recordedEpoch.set(recorded);
            });
        } catch (IOException e) {
            switchoverRetryNanos = System.nanoTime() + SWITCHOVER_RETRY_NANOS;
            switchovers.answer(request, SwitchoverRequest.Outcome.WAITING, "the switchover stopped: " + e.getMessage());
            // stopped after the stores were fenced at a new epoch (a promote that timed out, say): no repoint by this
            // pass's statuses of before, which would point them all at the fenced old primary
            return recordedEpoch.get() != 0;
        }
        if (!outcome.switched()) {
            switchoverRetryNanos = System.nanoTime() + SWITCHOVER_RETRY_NANOS;
            switchovers.answer(request, SwitchoverRequest.Outcome.WAITING, outcome.reason());
            // a new epoch recorded (the stores fenced at it) but no one promoted: this pass's statuses are of before,
            // and repointing by them would point the fenced stores at the old primary
            return outcome.epoch() != 0;
        }
        NodeProcess winner = nodes.stream().filter(n -> n.name().equals(outcome.winner())).findFirst().orElseThrow();
        primary = winner;
        outcome.notRepointed().forEach(name -> events.accept("could not point " + name + " at the new primary yet"));
        String said = "SWITCHOVER epoch " + outcome.epoch() + ": " + current.name() + " -> " + winner.name() + " in "
                + outcome.took().toMillis() + " ms (" + outcome.reason() + ")";
        events.accept(said);
        switchovers.answer(request, winner == target ? SwitchoverRequest.Outcome.DONE : SwitchoverRequest.Outcome.WAITING,
                winner == target ? winner.name() + " is the primary in epoch " + outcome.epoch() + " (switched over from "
                        + current.name() + " in " + outcome.took().toMillis() + " ms, writes paused meanwhile)" : said);
        return true;
    }

    /**
     * Ours: a primary whose process exited is lost at once (no lease to wait out). Then the shared
     * rule: it must answer as the unfenced primary of the current epoch; silence counts after the delay.
     */
    private java.util.Optional<ElectionState.Election> primaryLost(NodeProcess current, NodeStatus answer, long asked,
                                                                   long now) {
        if (!current.alive()) {
            return java.util.Optional.of(new ElectionState.Election(current.name(), "primary process exited", true));
        }
        PrimaryHealth.Verdict verdict = watch.observe(epoch, current.name(), answer, null, asked, now,
                settings.failoverDelay());
        if (verdict instanceof PrimaryHealth.Lost lost) {
            return java.util.Optional.of(new ElectionState.Election(current.name(), lost.reason(), lost.gone()));
        }
        return java.util.Optional.empty();
    }

    /** Brings stragglers in line: a restarted store, or a deposed primary that came back. */
    private void repointStragglers(Map<NodeProcess, NodeStatus> answering) {
        NodeProcess leader = primary;
        repointer.repoint(answering, leader, epoch, new Repointer.Listener<>() {
            @Override
            public void repointed(NodeProcess node, NodeStatus was) {
                events.accept(node.name() + " (was " + was.role() + " in epoch " + was.epoch() + ") now follows "
                        + leader.name() + " in epoch " + epoch);
            }

            @Override
            public void failed(NodeProcess node, IOException error) {
                events.accept("could not repoint " + node.name() + ": " + error.getMessage());
            }
        });
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
        statuses.forEach((node, status) -> {
            if (!status.canPersist()) {
                events.accept(node.name() + " stopped: " + status.diskFailure());
                node.kill();
            }
        });
    }

    /**
     * One failover attempt (or the first election), under the shared resume rule: new epoch recorded
     * first, then every other store fenced at it (so none acknowledges the old primary any more), then
     * the policy's choice promoted and the rest pointed at it.
     */
    private synchronized boolean electPrimary(NodeProcess lost, String reason, boolean lostIsGone,
                                              StatusPoll<NodeProcess> poll) throws IOException {
        // a store that did not answer its status call just now is not asked (as the operator does): when
        // too few are left, the attempt waits without recording an epoch or fencing anyone
        List<FailoverProcedure.Member> members = nodes.stream().<FailoverProcedure.Member>map(node ->
                node == lost || poll.answering().containsKey(node) ? node : Unaddressed.of(node)).toList();
        FailoverProcedure.Outcome outcome = elector.attempt(elections, members, lost, lostIsGone, poll.highestEpoch(epoch),
                recorded -> {
                    writeState(recorded);
                    epoch = recorded;
                }, mode(), settings.minSyncReplicas(), false);
        if (!outcome.promoted()) {
            if (!outcome.reason().equals(lastDegradedReason)) {
                events.accept("DEGRADED (epoch " + outcome.epoch() + "): " + outcome.reason());
                lastDegradedReason = outcome.reason();
            }
            return false;
        }
        lastDegradedReason = null;
        NodeProcess winner = nodes.stream().filter(n -> n.name().equals(outcome.winner())).findFirst().orElseThrow();
        primary = winner;
        outcome.notRepointed().forEach(name -> events.accept("could not point " + name + " at the new primary yet"));
        if (lost == null) {
            events.accept("epoch " + outcome.epoch() + ": " + winner.name() + " is primary (" + outcome.reason() + ")");
        } else if (outcome.reelected()) {
            // re-elected in a new term, not replaced: no failover (see ElectionState#reelectsLost)
            events.accept("epoch " + outcome.epoch() + ": " + winner.name() + " stays primary (" + outcome.reason() + ")");
        } else {
            failovers.add(new Failover(lost.name(), winner.name(), outcome.epoch(), outcome.took(), reason));
            events.accept("FAILOVER epoch " + outcome.epoch() + ": " + lost.name() + " -> " + winner.name() + " in "
                    + outcome.took().toMillis() + " ms (" + reason + "; " + outcome.reason() + ")");
        }
        return true;
    }

    private ReplicationMode mode() {
        return ReplicationMode.parse(settings.mode());
    }

    private StatusPoll<NodeProcess> poll() {
        return StatusPoll.of(nodes, admin, callPool);
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
