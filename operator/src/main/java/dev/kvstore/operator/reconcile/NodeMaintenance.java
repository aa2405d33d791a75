package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.function.Predicate;

/**
 * A primary on a node taken out of service (cordoned: {@code kubectl drain} and node upgrades cordon first)
 * switches over, without loss, to a ready secondary on a node that stays; the primary's
 * PodDisruptionBudget holds the drain's eviction back until then, and the drain, which retries, then takes
 * a secondary. Without a secondary to switch to, the primary stays and the drain waits: evicting it
 * would force a failover, or stop a cluster whose only other stores are down. A pure function of what
 * was observed.
 *
 * @param switchTo the pod to switch over to, or null
 * @param waiting  why a primary on a cordoned node stays where it is for now, or null
 */
record NodeMaintenance(String switchTo, String waiting) {

    static final NodeMaintenance NOTHING = new NodeMaintenance(null, null);

    /** {@code cordoned}: whether the node of that name is marked unschedulable. */
    static NodeMaintenance plan(KVCluster cluster, List<Pod> pods, Predicate<String> cordoned) {
        return plan(cluster, pods, cordoned, pod -> true);
    }

    /** {@code mayTakeOver}: whether a switchover may go to that pod otherwise (not one to be fenced). */
    static NodeMaintenance plan(KVCluster cluster, List<Pod> pods, Predicate<String> cordoned,
                                Predicate<String> mayTakeOver) {
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        Pod primaryPod = pods.stream().filter(p -> p.getMetadata().getName().equals(primary)).findFirst().orElse(null);
        String primaryNode = nodeOf(primaryPod);
        // one store has no one to switch to, and its budget lets the drain evict it (counted as there are: a
        // scale-down to one past the primary still has its other stores, and a budget that holds the primary)
        if (primaryNode == null || pods.size() < 2 || !cordoned.test(primaryNode)) {
            return NOTHING;
        }
        return SwitchoverTargets.eligible(cluster, pods, mayTakeOver)
                .filter(p -> nodeOf(p) != null && !nodeOf(p).equals(primaryNode) && !cordoned.test(nodeOf(p)))
                .map(p -> new NodeMaintenance(p.getMetadata().getName(), null))
                .findFirst()
                .orElseGet(() -> new NodeMaintenance(null, "node " + primaryNode + " of primary " + primary
                        + " is cordoned, and no ready secondary runs on a node that is not: the primary stays, and "
                        + "its PodDisruptionBudget holds a drain back until a secondary is ready elsewhere"));
    }

    /** Whether that pod runs on a cordoned node: no planned switchover goes to it. */
    static boolean onCordonedNode(String podName, List<Pod> pods, Predicate<String> cordoned) {
        String node = pods.stream().filter(p -> p.getMetadata().getName().equals(podName)).findFirst()
                .map(NodeMaintenance::nodeOf).orElse(null);
        return node != null && cordoned.test(node);
    }

    private static String nodeOf(Pod pod) {
        return pod == null || pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    }
}
