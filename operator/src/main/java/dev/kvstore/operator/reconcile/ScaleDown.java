package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * Scaling down past the primary: the StatefulSet removes the highest ordinals, so when the primary
 * is among them the operator first switches over (without loss) to a ready store that stays, and
 * keeps the StatefulSet large enough to hold the primary until then. Without this, scaling down
 * would delete the primary's pod and force a failover. A pure function of what was observed.
 *
 * @param statefulSetReplicas the replicas the StatefulSet gets now
 * @param switchTo            the pod to switch over to first, or null
 */
record ScaleDown(int statefulSetReplicas, String switchTo) {

    static ScaleDown plan(KVCluster cluster, List<Pod> pods) {
        return plan(cluster, pods, pod -> true);
    }

    /** {@code mayTakeOver}: whether a switchover may go to that pod (not one on a node being emptied). */
    static ScaleDown plan(KVCluster cluster, List<Pod> pods, java.util.function.Predicate<String> mayTakeOver) {
        int wanted = cluster.getSpec().getReplicas();
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        int primaryOrdinal = PrimaryKeeper.ordinalOf(primary);
        if (primary == null || primaryOrdinal < wanted) {
            return new ScaleDown(wanted, null);
        }
        String target = SwitchoverTargets.eligible(cluster, pods, mayTakeOver).map(p -> p.getMetadata().getName())
                .findFirst().orElse(null);
        return new ScaleDown(primaryOrdinal + 1, target);
    }
}
