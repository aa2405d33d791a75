package dev.kvstore.operator.reconcile;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.jboss.logging.Logger;

/**
 * Keeps exactly one primary per cluster: elects the first, fails over when the primary pod is deleted
 * or stops answering for longer than the configured delay, performs requested switchovers, points
 * every other store at the primary, and moves the role labels. The epoch is written to the
 * KVCluster's status before any store hears of it.
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

    private final KubernetesClient client;
    private final ExecutorService calls;
    private final FailoverListener listener;
    /**
     * Per cluster uid: when the primary was last asked and found healthy. "Not answering for longer
     * than the delay" counts from there, not from the first pass that noticed (a pass every second,
     * each waiting out a timeout, would add up to two seconds to every such failover).
     */
    private final Map<String, HealthyAnswer> healthyAt = new ConcurrentHashMap<>();

    /** When the primary of a term last answered healthy; counts only for that term and pod. */
    private record HealthyAnswer(long epoch, String pod, Instant at) {
        boolean of(long epoch, String pod) {
            return this.epoch == epoch && this.pod.equals(pod);
        }
    }
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
     * incarnation, not a lost one. Like {@link HealthyAnswer}, it lapses by itself with the term, so
     * a failover that has to wait without a new epoch finds it again on the next pass.
     */
    private record Incarnation(long epoch, String pod, String podUid, String containerId) {
        boolean of(long epoch, String pod) {
            return this.epoch == epoch && this.pod.equals(pod);
        }
    }

    PrimaryKeeper(KubernetesClient client, ExecutorService calls, FailoverListener listener) {
        this.client = client;
        this.calls = calls;
        this.listener = listener;
    }

    /**
     * One pass for one cluster; {@code admin} signs with that cluster's secret. {@code plannedTarget}
     * names a store to switch over to (a rolling update moving off an outdated primary), or null.
     */
    Outcome keep(KVCluster cluster, List<Pod> pods, AdminClient admin, StatusWriter statusWriter, String plannedTarget)
            throws IOException {
        return new Pass(admin, statusWriter, plannedTarget).keep(cluster, pods);
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
        private final FailoverProcedure procedure;
        private final String plannedTarget;

        Pass(AdminClient admin, StatusWriter statusWriter, String plannedTarget) {
            this.admin = admin;
            this.statusWriter = statusWriter;
            this.procedure = new FailoverProcedure(admin, calls);
            this.plannedTarget = plannedTarget;
        }

    Outcome keep(KVCluster cluster, List<Pod> pods) throws IOException {
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
        Instant asked = Instant.now();
        Map<String, NodeStatus> statuses = statusOf(members);
        String key = cluster.getMetadata().getUid();

        if (status.getPrimary() == null) {
            if (statuses.size() < replicas) {
                return new Outcome("waiting for all " + replicas + " stores to answer before the first election ("
                        + statuses.size() + " do)", statuses);
            }
            return elect(cluster, members, null, false, "first election", statuses);
        }

        StoreMember primary = members.stream().filter(m -> m.name().equals(status.getPrimary())).findFirst()
                .orElse(StoreMember.of(status.getPrimary(), null));
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
            return elect(cluster, members, primary, true, "primary's store container "
                    + (runningContainer == null ? "exited" : "restarted"), statuses);
        }
        if (primaryStatus != null && !"primary".equals(primaryStatus.role())) {
            // the primary's store answers without its role: its process restarted (container crash, or a
            // replaced pod): the process that held the term is gone, so no lease needs waiting out
            return elect(cluster, members, primary, true, "primary restarted without its role", statuses);
        }
        if (!podGone && answering) {
            primaryIncarnation.put(key, new Incarnation(epochOf(status), primary.name(),
                    primary.pod().getMetadata().getUid(), runningContainer != null ? runningContainer : knownContainer));
        }
        if (podGone || primary.pod().getMetadata().getDeletionTimestamp() != null) {
            return elect(cluster, members, primary, podGone,
                    podGone ? "primary pod deleted" : "primary pod terminating", statuses);
        }
        // not ready counts only when the store confirms it cannot serve (too few secondaries connected):
        // the kubelet's readiness lags a role change by a probe period or more
        int minSync = spec.getReplication().getMinSyncReplicas();
        boolean cannotServe = primaryStatus != null && !primary.podReady()
                && "sync".equals(spec.getReplication().getMode()) && primaryStatus.connectedSecondaries() < minSync;
        boolean inDoubt = !answering || cannotServe;
        if (inDoubt) {
            HealthyAnswer last = healthyAt.get(key);
            if (last == null || !last.of(epochOf(status), primary.name())) {
                // not seen healthy in this term yet: count from this pass
                last = new HealthyAnswer(epochOf(status), primary.name(), asked);
                healthyAt.put(key, last);
            }
            long millis = Duration.between(last.at(), Instant.now()).toMillis();
            if (millis >= spec.getFailover().getDelayMillis()) {
                return elect(cluster, members, primary, false, "primary " + (answering
                        ? "not ready, with " + primaryStatus.connectedSecondaries() + " secondaries connected"
                        : "not answering") + " for " + millis + " ms", statuses);
            }
        } else {
            healthyAt.put(key, new HealthyAnswer(epochOf(status), primary.name(), asked));
        }

        String target = plannedTarget != null ? plannedTarget
                : spec.getSwitchover() == null ? null : spec.getSwitchover().getTargetPod();
        if (target != null && !target.equals(status.getPrimary()) && answering) {
            StoreMember wanted = members.stream().filter(m -> m.name().equals(target)).findFirst().orElse(null);
            NodeStatus wantedStatus = wanted == null ? null : statuses.get(target);
            if (wantedStatus != null && wantedStatus.following()) {
                return switchover(cluster, members, primary, wanted, statuses);
            }
        }
        repoint(cluster, members, primary, statuses);
        label(members, primary.name());
        return new Outcome(null, statuses, inDoubt);
    }

    private Outcome elect(KVCluster cluster, List<StoreMember> everyMember, StoreMember lost, boolean lostGone,
                          String reason, Map<String, NodeStatus> statuses) throws IOException {
        // a store that did not answer its status call just now is not asked to take part: when too few
        // are left, the procedure waits without handing out an epoch (and without fencing anyone)
        List<StoreMember> members = everyMember.stream()
                .map(m -> m == lost || statuses.containsKey(m.name()) ? m : m.unaddressed()).toList();
        KVClusterStatus status = cluster.getStatus();
        long seen = Math.max(epochOf(status), statuses.values().stream().mapToLong(NodeStatus::epoch).max().orElse(0));
        long epoch = seen + 1;
        KVClusterSpec spec = cluster.getSpec();
        FailoverProcedure.Outcome outcome = procedure.run(members, lost, lostGone, epoch,
                recorded -> statusWriter.recordEpoch(cluster, recorded), ReplicationMode.parse(spec.getReplication().getMode()),
                spec.getReplication().getMinSyncReplicas(), Boolean.TRUE.equals(spec.getFailover().getForcePromotion()));
        if (!outcome.promoted()) {
            LOG.warnf("%s: cannot fail over yet: %s", cluster.getMetadata().getName(), outcome.reason());
            return new Outcome(outcome.reason(), statuses);
        }
        String from = lost == null ? null : lost.name();
        status.setPrimary(outcome.winner());
        StoreMember winner = members.stream().filter(m -> m.name().equals(outcome.winner())).findFirst().orElseThrow();
        label(members, winner.name());
        if (lost != null) {
            KVClusterStatus.FailoverRecord record = new KVClusterStatus.FailoverRecord(Instant.now().toString(), from,
                    outcome.winner(), reason, epoch, outcome.took().toMillis(), outcome.possiblyLossy());
            List<KVClusterStatus.FailoverRecord> history = new ArrayList<>(status.getLastFailovers());
            history.add(record);
            status.setLastFailovers(history.subList(Math.max(0, history.size() - KEPT_FAILOVERS), history.size()));
            listener.failedOver(cluster, record);
        }
        LOG.infof("%s: epoch %d, primary %s (%s; %s)", cluster.getMetadata().getName(), epoch, outcome.winner(), reason,
                outcome.reason());
        return new Outcome(null, statusOf(members));
    }

    /**
     * A planned switchover. Writes pause on the primary until the target holds its last entry; then
     * every store, the primary included, is fenced at a new epoch and reports where its log ends. The primary's log holds every acknowledged write, so the
     * most up-to-date store holds them all; the target is promoted when it is that store (ties go to
     * it), otherwise the most up-to-date one is, and the switchover is tried again once the target
     * has caught up. Nothing acknowledged is lost either way.
     */
    private Outcome switchover(KVCluster cluster, List<StoreMember> members, StoreMember primary, StoreMember target,
                               Map<String, NodeStatus> statuses) throws IOException {
        KVClusterStatus status = cluster.getStatus();
        if (statuses.get(primary.name()) == null || statuses.get(target.name()) == null) {
            return new Outcome(null, statuses);
        }
        // stop new writes for a moment, let the target reach the primary's last entry, then switch
        NodeStatus paused = admin.pauseWrites(primary.httpUrl(), 5_000);
        long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        NodeStatus targetNow = admin.status(target.httpUrl());
        while (targetNow.lastOffset() < paused.lastOffset() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            targetNow = admin.status(target.httpUrl());
        }
        if (targetNow.lastOffset() < paused.lastOffset()) {
            LOG.infof("switchover to %s waits: it reached offset %d of %d", target.name(), targetNow.lastOffset(),
                    paused.lastOffset());
            admin.pauseWrites(primary.httpUrl(), 0);
            return new Outcome("switchover to " + target.name() + " waits: it reached offset " + targetNow.lastOffset()
                    + " of " + paused.lastOffset(), statuses);
        }
        long started = System.nanoTime();
        long epoch = Math.max(epochOf(status), statuses.values().stream().mapToLong(NodeStatus::epoch).max().orElse(0)) + 1;
        statusWriter.recordEpoch(cluster, epoch);
        Map<StoreMember, CompletableFuture<NodeStatus>> fences = new LinkedHashMap<>();
        for (StoreMember member : members) {
            if (member.httpUrl() != null) {
                fences.put(member, CompletableFuture.supplyAsync(() -> {
                    try {
                        return admin.fence(member.httpUrl(), epoch);
                    } catch (IOException e) {
                        return null;
                    }
                }, calls));
            }
        }
        Map<StoreMember, dev.kvstore.core.Position> positions = new LinkedHashMap<>();
        fences.forEach((member, call) -> {
            NodeStatus fenced = call.join();
            if (fenced != null) {
                positions.put(member, new dev.kvstore.core.Position(fenced.lastEpoch(), fenced.lastOffset()));
            }
        });
        LOG.infof("switchover from %s to %s in epoch %d: positions %s", primary.name(), target.name(), epoch, positions);
        if (!positions.containsKey(primary)) {
            return new Outcome("switchover: the primary did not answer the fence; it will be failed over if it stays away",
                    statuses);
        }
        dev.kvstore.core.Position best = positions.values().stream().max(dev.kvstore.core.Position::compareTo).orElseThrow();
        StoreMember winner = best.equals(positions.get(target)) ? target
                : positions.entrySet().stream().filter(e -> e.getValue().equals(best)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        // the old primary was fenced by us and answers no read as primary any more: no lease to wait out
        admin.promote(winner.httpUrl(), epoch, true);
        status.setPrimary(winner.name());
        for (StoreMember member : members) {
            if (member != winner && member.httpUrl() != null) {
                try {
                    admin.follow(member.httpUrl(), epoch, winner.replicationAddress(), winner.httpUrl());
                } catch (IOException e) {
                    LOG.warnf("could not point %s at %s yet: %s", member.name(), winner.name(), e.getMessage());
                }
            }
        }
        label(members, winner.name());
        String reason = winner == target ? "switchover requested"
                : "switchover requested; " + target.name() + " was behind, so " + winner.name() + " for now";
        KVClusterStatus.FailoverRecord record = new KVClusterStatus.FailoverRecord(Instant.now().toString(),
                primary.name(), winner.name(), reason, epoch, Duration.ofNanos(System.nanoTime() - started).toMillis(),
                false);
        List<KVClusterStatus.FailoverRecord> history = new ArrayList<>(status.getLastFailovers());
        history.add(record);
        status.setLastFailovers(history.subList(Math.max(0, history.size() - KEPT_FAILOVERS), history.size()));
        listener.failedOver(cluster, record);
        return new Outcome(null, statusOf(members));
    }

    /** Every answering store that is not following the primary in the current epoch is told to. */
    private void repoint(KVCluster cluster, List<StoreMember> members, StoreMember primary,
                         Map<String, NodeStatus> statuses) {
        long epoch = epochOf(cluster.getStatus());
        for (StoreMember member : members) {
            NodeStatus status = statuses.get(member.name());
            if (member == primary || status == null) {
                continue;
            }
            boolean follows = "secondary".equals(status.role()) && status.epoch() == epoch
                    && primary.replicationAddress().equals(status.primary());
            if (!follows) {
                try {
                    admin.follow(member.httpUrl(), epoch, primary.replicationAddress(), primary.httpUrl());
                    LOG.infof("%s now follows %s in epoch %d", member.name(), primary.name(), epoch);
                } catch (IOException e) {
                    LOG.warnf("could not point %s at %s: %s", member.name(), primary.name(), e.getMessage());
                }
            }
        }
    }

    private Map<String, NodeStatus> statusOf(List<StoreMember> members) {
        Map<String, CompletableFuture<NodeStatus>> pending = new LinkedHashMap<>();
        for (StoreMember member : members) {
            if (member.httpUrl() != null) {
                pending.put(member.name(), CompletableFuture.supplyAsync(() -> {
                    try {
                        return admin.status(member.httpUrl());
                    } catch (IOException e) {
                        return null;
                    }
                }, calls));
            }
        }
        Map<String, NodeStatus> answered = new LinkedHashMap<>();
        pending.forEach((name, call) -> {
            NodeStatus status = call.join();
            // a store that cannot make writes durable counts as not answering: a primary in that state is
            // replaced after the failover delay like a silent one, and no such store is promoted
            if (status != null && status.canPersist()) {
                answered.put(name, status);
            }
        });
        return answered;
    }
    }

    /** Moves the role labels, so that the -rw and -ro Services select the right pods. */
    private void label(List<StoreMember> members, String primaryName) {
        for (StoreMember member : members) {
            Pod pod = member.pod();
            if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String role = member.name().equals(primaryName) ? KvNames.PRIMARY : KvNames.SECONDARY;
            Map<String, String> labels = pod.getMetadata().getLabels();
            if (labels != null && role.equals(labels.get(KvNames.ROLE_LABEL))) {
                continue;
            }
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"" + KvNames.ROLE_LABEL + "\":\"" + role + "\"}}}");
            } catch (RuntimeException e) {
                LOG.warnf("could not label %s %s: %s", member.name(), role, e.getMessage());
            }
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
