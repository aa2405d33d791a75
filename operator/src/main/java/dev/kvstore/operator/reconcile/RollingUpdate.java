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
        for (Pod pod : outdated) {
            if (!pod.getMetadata().getName().equals(primary)) {
                return new RollingUpdate(pod.getMetadata().getName(), null);
            }
        }
        return pods.stream().filter(p -> revision.equals(labels(p).get(REVISION_LABEL)))
                .filter(p -> StoreMember.of(p.getMetadata().getName(), p).podReady())
                .filter(p -> mayTakeOver.test(p.getMetadata().getName()))
                .map(p -> new RollingUpdate(null, p.getMetadata().getName())).findFirst().orElse(NOTHING);
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
