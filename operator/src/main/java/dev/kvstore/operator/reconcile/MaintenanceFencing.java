package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.NodeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What one pass does about the fences the user asked for ({@link FenceRequest}). A secondary is fenced at once. The
 * primary is not fenced in place (its clients' writes would stop, with no failover to follow, as in CloudNativePG):
 * it is switched away from first, to a ready store that is not to be fenced, and fenced once it is a secondary.
 * With no such store it stays primary, and {@code waiting} says so. Pure: the calls are made by the reconciler.
 *
 * @param switchTo the store to switch over to before the primary can be fenced, or null
 * @param waiting  why the primary asked to be fenced is not, or null
 */
record MaintenanceFencing(String switchTo, String waiting) {

    static final MaintenanceFencing NOTHING = new MaintenanceFencing(null, null);

    /** {@code mayTakeOver}: whether a switchover may go to that pod (not one on a node being emptied). */
    static MaintenanceFencing plan(FenceRequest request, String primary, List<Pod> pods, Predicate<String> mayTakeOver) {
        if (primary == null || !request.wants(primary)) {
            return NOTHING;
        }
        return pods.stream()
                .filter(p -> !p.getMetadata().getName().equals(primary) && !request.wants(p.getMetadata().getName()))
                .filter(p -> StoreMember.of(p.getMetadata().getName(), p).podReady())
                .filter(p -> mayTakeOver.test(p.getMetadata().getName()))
                .map(p -> new MaintenanceFencing(p.getMetadata().getName(), null)).findFirst()
                .orElse(new MaintenanceFencing(null, "the primary " + primary + " is to be fenced: it stays primary, "
                        + "unfenced, until another store that is not to be fenced is ready to take over"));
    }

    /**
     * The admin calls to make now, by pod: true to fence, false to lift the fence. Only stores that answered, and
     * never the primary (in the status or by its own word): it is switched away from first.
     */
    static Map<String, Boolean> calls(FenceRequest request, String primary, Map<String, NodeStatus> statuses) {
        Map<String, Boolean> calls = new LinkedHashMap<>();
        if (request.pods() == null) {
            return calls; // the annotation cannot be read: every store keeps its fence as it is
        }
        statuses.forEach((pod, status) -> {
            boolean wanted = request.wants(pod) && !pod.equals(primary) && !"primary".equals(status.role());
            if (status.maintenanceFenced() != wanted) {
                calls.put(pod, wanted);
            }
        });
        return calls;
    }
}
