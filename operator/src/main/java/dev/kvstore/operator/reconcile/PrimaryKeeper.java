package dev.kvstore.operator.reconcile;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.supervision.ElectionState;
import dev.kvstore.core.supervision.Elector;
import dev.kvstore.core.supervision.PrimaryHealth;
import dev.kvstore.core.supervision.PrimaryWatch;
import dev.kvstore.core.supervision.Repointer;
import dev.kvstore.core.supervision.StatusPoll;
import dev.kvstore.core.supervision.Switchover;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.jboss.logging.Logger;

/**
 * Keeps exactly one primary per cluster: elects the first, fails over when the primary is lost,
 * performs requested switchovers, points every other store at the primary, and moves the role labels.
 * The supervision itself is shared with the local supervisor ({@code dev.kvstore.core.supervision}:
 * status polling, the primary's health rule, the election and its resume rule, repointing, the
 * switchover). What is the operator's own: how it learns that a primary is lost besides the health rule
 * (its pod deleted or terminating, its store container replaced, its pod not ready with too few
 * secondaries), that the epoch is written to the KVCluster's status before any store hears of it, and
 * the role labels.
 */
final class PrimaryKeeper {

    private static final Logger LOG = Logger.getLogger(PrimaryKeeper.class);
    private static final int KEPT_FAILOVERS = 10;

    /** What the reconciler reports: why the cluster cannot be made whole now, if so. */
    record Outcome(String degradedReason, Map<String, NodeStatus> statuses, boolean primaryInDoubt) {
        Outcome(String degradedReason, Map<String, NodeStatus> statuses) {
            this(degradedReason, statuses, false);
        }
    }

    /** Told about each failover, for events and metrics. */
    interface FailoverListener {
        void failedOver(KVCluster cluster, KVClusterStatus.FailoverRecord record);
    }

    private final RoleLabels roleLabels;
    private final ExecutorService calls;
    private final FailoverListener listener;
    /**
     * Per cluster uid: when the primary last answered healthy ("not answering for longer than the delay"
     * counts from there), and the election in progress with its epoch (resumed pass after pass).
     */
    private final Map<String, PrimaryWatch> watches = new ConcurrentHashMap<>();
    private final Map<String, ElectionState> elections = new ConcurrentHashMap<>();

    /**
     * The last term this operator set up per cluster (by uid). The KVCluster in the informer cache
     * can lag behind our own status patch by a moment; a term we made ourselves wins over an older one.
     */
    private final Map<String, Term> lastTerm = new ConcurrentHashMap<>();
    /** Per cluster uid: the primary's pod and store container as last seen answering in the current term. */
    private final Map<String, Incarnation> primaryIncarnation = new ConcurrentHashMap<>();

    private record Term(long epoch, String primary) {
    }

    /**
     * Which pod (uid) and store container held a term. Compared only within the same term and pod:
     * a store that was primary before, restarted as a secondary and became primary again is a new
     * incarnation, not a lost one. Like {@link PrimaryWatch}'s memory, it lapses by itself with the term, so
     * a failover that has to wait without a new epoch finds it again on the next pass.
     */
    private record Incarnation(long epoch, String pod, String podUid, String containerId) {
        boolean of(long epoch, String pod) {
            return this.epoch == epoch && this.pod.equals(pod);
        }
    }

    PrimaryKeeper(KubernetesClient client, ExecutorService calls, FailoverListener listener) {
        this.roleLabels = new RoleLabels(client);
        this.calls = calls;
        this.listener = listener;
    }

    /**
     * One pass for one cluster; {@code admin} signs with that cluster's secret. {@code plannedTarget}
     * names a store to switch over to (a rolling update moving off an outdated primary), or null.
     * {@code mayTakeOver}: whether a planned switchover (the plan's, or spec.switchover's) may go to that pod; a
     * pod on a cordoned node may not, or a drain's switchover and the switchover to it would take turns for good.
     * A failover is not held back by it.
     */
    Outcome keep(KVCluster cluster, List<Pod> pods, AdminClient admin, StatusWriter statusWriter, String plannedTarget,
                 java.util.function.Predicate<String> mayTakeOver) throws IOException {
        return new Pass(admin, statusWriter, plannedTarget, mayTakeOver).keep(cluster, pods);
    }

    /**
     * Puts the term this operator set up last into the status when the status read is older: the
     * plans made before {@link #keep} (rolling update, scale-down) then see the real primary.
     */
    void adoptKnownTerm(KVCluster cluster) {
        Term known = lastTerm.get(cluster.getMetadata().getUid());
        // only this operator writes the epoch: at an equal epoch, our own record of the primary is the fresher one
        if (known != null && known.epoch() >= epochOf(cluster.getStatus())) {
            cluster.getStatus().setEpoch(known.epoch());
            cluster.getStatus().setPrimary(known.primary());
        }
    }

    /** The work of one pass, with the cluster's admin client at hand. */
    private final class Pass {
        private final AdminClient admin;
        private final StatusWriter statusWriter;
        private final Elector elector;
        private final String plannedTarget;
        private final java.util.function.Predicate<String> mayTakeOver;
        /** Every pod of the cluster, as the pass began: what its budgets count. */
        private List<Pod> pods = List.of();

        Pass(AdminClient admin, StatusWriter statusWriter, String plannedTarget,
             java.util.function.Predicate<String> mayTakeOver) {
            this.mayTakeOver = mayTakeOver;
            this.admin = admin;
            this.statusWriter = statusWriter;
            this.elector = new Elector(new FailoverProcedure(admin, calls));
            this.plannedTarget = plannedTarget;
        }

    Outcome keep(KVCluster cluster, List<Pod> pods) throws IOException {
        this.pods = pods;
        adoptKnownTerm(cluster);
        Outcome outcome = keepTerm(cluster, pods);
        if (cluster.getStatus().getPrimary() != null) {
            lastTerm.put(cluster.getMetadata().getUid(), new Term(epochOf(cluster.getStatus()), cluster.getStatus().getPrimary()));
        }
        return outcome;
    }

    Outcome keepTerm(KVCluster cluster, List<Pod> pods) throws IOException {
        String name = cluster.getMetadata().getName();
        KVClusterSpec spec = cluster.getSpec();
        KVClusterStatus status = cluster.getStatus();
        int replicas = spec.getReplicas();
        Map<String, Pod> byName = new LinkedHashMap<>();
        pods.forEach(p -> byName.put(p.getMetadata().getName(), p));
        // members are the ordinals the cluster should have, whether or not their pods exist right now
        List<StoreMember> members = new ArrayList<>();
        int highestOrdinal = Math.max(replicas, ordinalOf(status.getPrimary()) + 1);
        for (int i = 0; i < highestOrdinal; i++) {
            members.add(StoreMember.of(KvNames.pod(name, i), byName.get(KvNames.pod(name, i))));
        }
        long asked = System.nanoTime();
        StatusPoll<StoreMember> poll = poll(members);
        Map<String, NodeStatus> statuses = byName(poll.answering());
        String key = cluster.getMetadata().getUid();
        ElectionState election = elections.computeIfAbsent(key, k -> new ElectionState());

        if (status.getPrimary() == null) {
            if (statuses.size() < replicas) {
                return new Outcome("waiting for all " + replicas + " stores to answer before the first election ("
                        + statuses.size() + " do)", statuses);
            }
            return elect(cluster, members, null, false, "first election", poll, election);
        }

        StoreMember primary = members.stream().filter(m -> m.name().equals(status.getPrimary())).findFirst()
                .orElse(StoreMember.of(status.getPrimary(), null));
        ElectionState.Election pending = election.pending();
        if (pending != null && !pending.lost().equals(primary.name())) {
            election.forget(); // the term moved on without this election (another operator, a switchover)
            pending = null;
        }
        if (pending != null) {
            // a failover that fenced stores but could not promote yet: resumed whatever comes back first
            return elect(cluster, members, primary, pending.lostIsGone(), pending.reason(), poll, election);
        }
        NodeStatus primaryStatus = statuses.get(primary.name());
        Incarnation seen = primaryIncarnation.get(key);
        Incarnation known = seen != null && seen.of(epochOf(status), primary.name()) ? seen : null;
        // a pod of the same name but another uid is the StatefulSet's replacement: the primary's pod was deleted
        boolean replaced = primary.pod() != null && known != null
                && !known.podUid().equals(primary.pod().getMetadata().getUid());
        boolean podGone = primary.pod() == null || replaced;
        boolean answering = primaryStatus != null && "primary".equals(primaryStatus.role()) && !primaryStatus.fenced();
        // the kubelet reports a store container that exited (crash, OOM kill, kill -9) within about a
        // second, before the failover delay would: the process that held the term is gone, no lease to wait out
        String knownContainer = known == null ? null : known.containerId();
        String runningContainer = StoreMember.runningContainerId(primary.pod());
        if (!podGone && knownContainer != null && !knownContainer.equals(runningContainer)) {
            return begin(cluster, members, primary, true, "primary's store container "
                    + (runningContainer == null ? "exited" : "restarted"), poll, election);
        }
        if (!podGone && answering) {
            primaryIncarnation.put(key, new Incarnation(epochOf(status), primary.name(),
                    primary.pod().getMetadata().getUid(), runningContainer != null ? runningContainer : knownContainer));
        }
        if (podGone || primary.pod().getMetadata().getDeletionTimestamp() != null) {
            return begin(cluster, members, primary, podGone,
                    podGone ? "primary pod deleted" : "primary pod terminating", poll, election);
        }
        // not ready counts only when the store confirms it cannot serve (too few secondaries connected):
        // the kubelet's readiness lags a role change by a probe period or more
        int minSync = spec.getReplication().getMinSyncReplicas();
        boolean cannotServe = primaryStatus != null && !primary.podReady()
                && "sync".equals(spec.getReplication().getMode()) && primaryStatus.connectedSecondaries() < minSync;
        String doubt = cannotServe ? "not ready, with " + primaryStatus.connectedSecondaries() + " secondaries connected"
                : null;
        PrimaryHealth.Verdict verdict = watches.computeIfAbsent(key, k -> new PrimaryWatch()).observe(epochOf(status),
                primary.name(), primaryStatus, doubt, asked, System.nanoTime(),
                Duration.ofMillis(spec.getFailover().getDelayMillis()));
        if (verdict instanceof PrimaryHealth.Lost lost) {
            return begin(cluster, members, primary, lost.gone(), lost.reason(), poll, election);
        }
        boolean inDoubt = verdict instanceof PrimaryHealth.InDoubt;

        String target = plannedTarget != null ? plannedTarget
                : spec.getSwitchover() == null ? null : spec.getSwitchover().getTargetPod();
        if (target != null && !target.equals(status.getPrimary()) && !inDoubt) {
            StoreMember wanted = members.stream().filter(m -> m.name().equals(target)).findFirst().orElse(null);
            NodeStatus wantedStatus = wanted == null ? null : statuses.get(target);
            // asked last: it may read the target's node from the API server
            if (wantedStatus != null && wantedStatus.following() && mayTakeOver.test(target)) {
                return switchover(cluster, members, primary, wanted, poll);
            }
        }
        repoint(cluster, primary, poll);
        labelRoles(cluster, members, primary.name());
        return new Outcome(null, statuses, inDoubt);
    }

    /** Starts an election for the lost primary (or resumes the one already begun) and makes an attempt. */
    private Outcome begin(KVCluster cluster, List<StoreMember> members, StoreMember lost, boolean lostGone,
                          String reason, StatusPoll<StoreMember> poll, ElectionState election) throws IOException {
        ElectionState.Election begun = election.begin(new ElectionState.Election(lost.name(), reason, lostGone));
        return elect(cluster, members, lost, begun.lostIsGone(), begun.reason(), poll, election);
    }

    private Outcome elect(KVCluster cluster, List<StoreMember> everyMember, StoreMember lost, boolean lostGone,
                          String reason, StatusPoll<StoreMember> poll, ElectionState election) throws IOException {
        // a store that did not answer its status call just now is not asked to take part: when too few
        // are left, the procedure waits without handing out an epoch (and without fencing anyone)
        Map<String, NodeStatus> statuses = byName(poll.answering());
        List<StoreMember> members = everyMember.stream()
                .map(m -> m == lost || statuses.containsKey(m.name()) ? m : m.unaddressed()).toList();
        KVClusterStatus status = cluster.getStatus();
        KVClusterSpec spec = cluster.getSpec();
        FailoverProcedure.Outcome outcome = elector.attempt(election, members, lost, lostGone,
                poll.highestEpoch(epochOf(status)), recorded -> statusWriter.recordEpoch(cluster, recorded),
                ReplicationMode.parse(spec.getReplication().getMode()), spec.getReplication().getMinSyncReplicas(),
                Boolean.TRUE.equals(spec.getFailover().getForcePromotion()));
        if (!outcome.promoted()) {
            LOG.warnf("%s: cannot fail over yet (epoch %d): %s", cluster.getMetadata().getName(), outcome.epoch(),
                    outcome.reason());
            // in doubt: the next pass comes soon, as whatever store comes back first may end the wait
            return new Outcome(outcome.reason(), statuses, true);
        }
        long epoch = outcome.epoch();
        String from = lost == null ? null : lost.name();
        status.setPrimary(outcome.winner());
        StoreMember winner = members.stream().filter(m -> m.name().equals(outcome.winner())).findFirst().orElseThrow();
        labelRoles(cluster, members, winner.name());
        // a primary re-elected in a new term (the operator, not it, was cut off: ElectionState#reelectsLost) moved
        // nowhere: no failover to record
        if (lost != null && !outcome.reelected()) {
            recordFailover(cluster, new KVClusterStatus.FailoverRecord(Instant.now().toString(), from,
                    outcome.winner(), reason, epoch, outcome.took().toMillis(), outcome.possiblyLossy()));
        }
        LOG.infof("%s: epoch %d, primary %s (%s; %s)", cluster.getMetadata().getName(), epoch, outcome.winner(), reason,
                outcome.reason());
        return new Outcome(null, byName(poll(members).answering()));
    }

    /** A planned switchover (see {@link Switchover}); the operator records it like a failover. */
    private Outcome switchover(KVCluster cluster, List<StoreMember> members, StoreMember primary, StoreMember target,
                               StatusPoll<StoreMember> poll) throws IOException {
        Map<String, NodeStatus> statuses = byName(poll.answering());
        if (statuses.get(primary.name()) == null || statuses.get(target.name()) == null) {
            return new Outcome(null, statuses);
        }
        Switchover.Outcome outcome = new Switchover(admin, calls).run(members, primary, target,
                poll.highestEpoch(epochOf(cluster.getStatus())), recorded -> statusWriter.recordEpoch(cluster, recorded));
        if (!outcome.switched()) {
            LOG.infof("%s: %s", cluster.getMetadata().getName(), outcome.reason());
            return new Outcome(outcome.reason(), statuses);
        }
        outcome.notRepointed().forEach(name -> LOG.warnf("could not point %s at %s yet", name, outcome.winner()));
        cluster.getStatus().setPrimary(outcome.winner());
        labelRoles(cluster, members, outcome.winner());
        LOG.infof("%s: switchover from %s to %s in epoch %d (%s)", cluster.getMetadata().getName(), primary.name(),
                outcome.winner(), outcome.epoch(), outcome.reason());
        recordFailover(cluster, new KVClusterStatus.FailoverRecord(Instant.now().toString(), primary.name(),
                outcome.winner(), outcome.reason(), outcome.epoch(), outcome.took().toMillis(), false));
        return new Outcome(null, byName(poll(members).answering()));
    }

    /** Keeps the last failovers in the status and tells the listener (an Event, the metrics). */
    private void recordFailover(KVCluster cluster, KVClusterStatus.FailoverRecord record) {
        KVClusterStatus status = cluster.getStatus();
        List<KVClusterStatus.FailoverRecord> history = new ArrayList<>(status.getLastFailovers());
        history.add(record);
        status.setLastFailovers(history.subList(Math.max(0, history.size() - KEPT_FAILOVERS), history.size()));
        listener.failedOver(cluster, record);
    }

    /** Every answering store that is not following the primary in the current epoch is told to. */
    private void repoint(KVCluster cluster, StoreMember primary, StatusPoll<StoreMember> poll) {
        long epoch = epochOf(cluster.getStatus());
        new Repointer(admin).repoint(poll.answering(), primary, epoch, new Repointer.Listener<>() {
            @Override
            public void repointed(StoreMember member, NodeStatus was) {
                LOG.infof("%s now follows %s in epoch %d", member.name(), primary.name(), epoch);
            }

            @Override
            public void failed(StoreMember member, IOException error) {
                LOG.warnf("could not point %s at %s: %s", member.name(), primary.name(), error.getMessage());
            }
        });
    }

    private void labelRoles(KVCluster cluster, List<StoreMember> members, String primaryName) {
        roleLabels.move(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), pods, members, primaryName);
    }

    private StatusPoll<StoreMember> poll(List<StoreMember> members) {
        return StatusPoll.of(members, admin, calls);
    }

    private static Map<String, NodeStatus> byName(Map<StoreMember, NodeStatus> answers) {
        Map<String, NodeStatus> named = new LinkedHashMap<>();
        answers.forEach((member, status) -> named.put(member.name(), status));
        return named;
    }
    }

    static long epochOf(KVClusterStatus status) {
        return status.getEpoch() == null ? 0 : status.getEpoch();
    }

    static int ordinalOf(String pod) {
        if (pod == null) {
            return -1;
        }
        return Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
    }

}
