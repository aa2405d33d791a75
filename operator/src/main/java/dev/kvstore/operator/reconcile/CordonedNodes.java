package dev.kvstore.operator.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
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

    private final Predicate<String> read;
    private final LongSupplier nanoTime;
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Map<String, Integer> failedCodes = new ConcurrentHashMap<>();

    CordonedNodes(KubernetesClient client) {
        this.read = node -> read(client, node);
        this.nanoTime = System::nanoTime;
    }

    /** @param read whether the node of that name is being emptied, read now */
    CordonedNodes(Predicate<String> read, LongSupplier nanoTime) {
        this.read = read;
        this.nanoTime = nanoTime;
    }

    /** As read within the last few seconds: what plans are made with. */
    boolean cordoned(String node) {
        Seen known = seen.get(node);
        if (known != null && nanoTime.getAsLong() - known.atNanos() < KEEP_NANOS) {
            return known.cordoned();
        }
        return cordonedNow(node);
    }

    /**
     * Read now: what a switchover checks its target with the moment before it begins, so that none lands on a
     * node cordoned since the plan's read (a drain's switchover would follow it at once).
     */
    boolean cordonedNow(String node) {
        long now = nanoTime.getAsLong();
        boolean cordoned = read.test(node);
        seen.put(node, new Seen(cordoned, now));
        return cordoned;
    }

    static boolean beingEmptied(io.fabric8.kubernetes.api.model.NodeSpec spec) {
        return Boolean.TRUE.equals(spec.getUnschedulable()) || spec.getTaints() != null && spec.getTaints().stream()
                .anyMatch(taint -> OUT_OF_SERVICE_TAINTS.contains(taint.getKey()) && !"PreferNoSchedule".equals(taint.getEffect()));
    }

    private boolean read(KubernetesClient client, String node) {
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
