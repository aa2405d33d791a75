package dev.kvstore.operator.reconcile;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Whether a node is cordoned (spec.unschedulable), read by name (the operator may get nodes, not list or
 * watch them) and kept for a few seconds: every cluster's pass asks about its primary's node once a
 * second, and a drain retries its evictions every 5 s anyway. A node that cannot be read counts as not
 * cordoned: the primary then stays where it is, as it did before this check.
 */
final class CordonedNodes {

    private static final Logger LOG = Logger.getLogger(CordonedNodes.class);
    private static final long KEEP_NANOS = 3_000_000_000L;

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

    private boolean read(String node) {
        try {
            Node found = client.nodes().withName(node).get();
            failedCodes.remove(node);
            return found != null && found.getSpec() != null && Boolean.TRUE.equals(found.getSpec().getUnschedulable());
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
