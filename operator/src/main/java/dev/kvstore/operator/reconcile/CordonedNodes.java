package dev.kvstore.operator.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Whether a node is being taken out of service: cordoned (spec.unschedulable: kubectl drain and cordon), or
 * tainted so by the autoscalers that empty nodes before removing them (Karpenter, cluster-autoscaler). Read by
 * name (the operator may get nodes, not list or watch them) and kept for a few seconds: every cluster's pass
 * asks about its primary's node once a second, and a drain retries its evictions every 5 s anyway. A node
 * that cannot be read counts as in service: its primary is not switched over, and a drain then waits on
 * the primary's PodDisruptionBudget (the log says why, once).
 */
final class CordonedNodes {

    private static final Logger LOG = Logger.getLogger(CordonedNodes.class);
    private static final long KEEP_NANOS = 3_000_000_000L;
    /** Taints that mean "this node is being emptied", beside the cordon's own. */
    static final java.util.Set<String> OUT_OF_SERVICE_TAINTS = java.util.Set.of(
            "node.kubernetes.io/unschedulable", "karpenter.sh/disrupted", "karpenter.sh/disruption" /* before v1 */,
            "ToBeDeletedByClusterAutoscaler");

    private record Seen(boolean cordoned, long atNanos) {
    }

    private final KubernetesClient client;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Map<String, Integer> failedCodes = new ConcurrentHashMap<>();

    CordonedNodes(KubernetesClient client) {
        this.client = client;
    }

    boolean cordoned(String node) {
        long now = System.nanoTime();
        Seen known = seen.get(node);
        if (known != null && now - known.atNanos() < KEEP_NANOS) {
            return known.cordoned();
        }
        boolean cordoned = read(node);
        seen.put(node, new Seen(cordoned, now));
        return cordoned;
    }

    static boolean beingEmptied(io.fabric8.kubernetes.api.model.NodeSpec spec) {
        return Boolean.TRUE.equals(spec.getUnschedulable()) || spec.getTaints() != null && spec.getTaints().stream()
                .anyMatch(taint -> OUT_OF_SERVICE_TAINTS.contains(taint.getKey()) && !"PreferNoSchedule".equals(taint.getEffect()));
    }

    private boolean read(String node) {
        try {
            Node found = client.nodes().withName(node).get();
            failedCodes.remove(node);
            return found != null && found.getSpec() != null && beingEmptied(found.getSpec());
        } catch (KubernetesClientException e) {
            // said once per node and kind of failure, not once a second
            if (!Integer.valueOf(e.getCode()).equals(failedCodes.put(node, e.getCode()))) {
                LOG.warnf("cannot read node %s (%s): a primary there is not switched over when it is cordoned",
                        node, e.getMessage());
            }
            return false;
        }
    }
}
