package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;

/**
 * The next step of a rolling update (the StatefulSet is OnDelete, so the operator decides): restart
 * an outdated secondary; when only the primary is outdated, switch over to an updated secondary
 * first; the old primary is then an outdated secondary. A pure function of what was observed.
 *
 * @param restart  pod to delete now (an outdated secondary), or null
 * @param switchTo pod to switch over to before the primary can be restarted, or null
 */
record RollingUpdate(String restart, String switchTo) {

    static final String REVISION_LABEL = "controller-revision-hash";
    static final RollingUpdate NOTHING = new RollingUpdate(null, null);

    static RollingUpdate plan(KVCluster cluster, List<Pod> pods, StatefulSet statefulSet) {
        return plan(cluster, pods, statefulSet, pod -> true);
    }

    /** {@code mayTakeOver}: whether a switchover may go to that pod (not one on a node being emptied). */
    static RollingUpdate plan(KVCluster cluster, List<Pod> pods, StatefulSet statefulSet,
                              java.util.function.Predicate<String> mayTakeOver) {
        return plan(cluster, pods, statefulSet, mayTakeOver, pod -> false);
    }

    /**
     * {@code fenced}: whether that pod is (to be) fenced for maintenance: restarted first, since it serves nothing,
     * while a secondary sync writes need may have to wait for the others ({@link #mayRestartNow}).
     */
    static RollingUpdate plan(KVCluster cluster, List<Pod> pods, StatefulSet statefulSet,
                              java.util.function.Predicate<String> mayTakeOver, java.util.function.Predicate<String> fenced) {
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        if (statefulSet == null || statefulSet.getStatus() == null || primary == null) {
            return NOTHING;
        }
        String revision = statefulSet.getStatus().getUpdateRevision();
        if (revision == null || pods.size() != cluster.getSpec().getReplicas()) {
            return NOTHING;
        }
        List<Pod> outdated = pods.stream().filter(p -> !revision.equals(labels(p).get(REVISION_LABEL))).toList();
        if (outdated.isEmpty()) {
            return NOTHING;
        }
        List<Pod> fencedFirst = outdated.stream()
                .sorted(java.util.Comparator.comparing(p -> !fenced.test(p.getMetadata().getName()))).toList();
        for (Pod pod : fencedFirst) {
            if (!pod.getMetadata().getName().equals(primary)) {
                return new RollingUpdate(pod.getMetadata().getName(), null);
            }
        }
        return pods.stream().filter(p -> revision.equals(labels(p).get(REVISION_LABEL)))
                .filter(p -> StoreMember.of(p.getMetadata().getName(), p).podReady())
                .filter(p -> mayTakeOver.test(p.getMetadata().getName()))
                .map(p -> new RollingUpdate(null, p.getMetadata().getName())).findFirst().orElse(NOTHING);
    }

    /**
     * Whether a rolling update may restart that store now: a store fenced for maintenance (it serves nothing; it comes
     * back fenced), or a secondary that follows, when the others that follow are enough for sync writes without it
     * while a store is fenced (without one, this is the restart a cluster of minSyncReplicas = replicas - 1 always
     * needs, as before fencing).
     */
    static boolean mayRestartNow(dev.kvstore.operator.model.KVClusterSpec spec,
                                 java.util.Map<String, dev.kvstore.core.admin.NodeStatus> statuses, String pod) {
        var status = statuses.get(pod);
        if (status == null || "primary".equals(status.role())) {
            return false;
        }
        if (status.maintenanceFenced()) {
            return true;
        }
        long othersFollowing = statuses.entrySet().stream()
                .filter(e -> !e.getKey().equals(pod) && e.getValue().following()).count();
        boolean fencedElsewhere = statuses.values().stream().anyMatch(dev.kvstore.core.admin.NodeStatus::maintenanceFenced);
        boolean sync = "sync".equals(spec.getReplication().getMode());
        return "secondary".equals(status.role()) && status.following()
                && (!fencedElsewhere || !sync || othersFollowing >= spec.getReplication().getMinSyncReplicas());
    }

    /** Whether the pods are of two templates: an update (or a rollback) of the stores rolls, or waits to. */
    static boolean underWay(List<Pod> pods, StatefulSet statefulSet) {
        if (statefulSet == null || statefulSet.getStatus() == null || statefulSet.getStatus().getUpdateRevision() == null) {
            return false;
        }
        String revision = statefulSet.getStatus().getUpdateRevision();
        return pods.stream().anyMatch(p -> !revision.equals(labels(p).get(REVISION_LABEL)));
    }

    private static java.util.Map<String, String> labels(Pod pod) {
        return pod.getMetadata().getLabels() == null ? java.util.Map.of() : pod.getMetadata().getLabels();
    }
}
