package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What one pass does about the fences the user asked for ({@link FenceRequest}). A secondary is fenced at once. The
 * primary is not fenced in place (its clients' writes would stop, with no failover to follow, as in CloudNativePG):
 * it is switched away from first, to a store that may take over ({@link SwitchoverTargets}; spec.switchover's target
 * first, so that it does not switch twice), and fenced once it is a secondary. No new fence is made when the fences
 * asked for would leave fewer secondaries to follow than {@code minSyncReplicas} in sync mode: writes would stop.
 * Pure: the reconciler makes the calls.
 *
 * @param switchTo      the store to switch over to before the primary can be fenced, or null
 * @param waiting       why a fence asked for is not made, or null
 * @param fencesAllowed whether new fences may be made this pass (lifting one always may)
 */
record MaintenanceFencing(String switchTo, String waiting, boolean fencesAllowed) {

    static final MaintenanceFencing NOTHING = new MaintenanceFencing(null, null, true);

    /** {@code mayTakeOver}: whether a switchover may go to that pod (not one on a node being emptied, not one to fence). */
    static MaintenanceFencing plan(FenceRequest request, KVCluster cluster, List<Pod> pods, Predicate<String> mayTakeOver) {
        String stopsWrites = wouldStopWrites(request, cluster.getSpec());
        if (stopsWrites != null) {
            return new MaintenanceFencing(null, stopsWrites, false);
        }
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        if (primary == null || !request.wants(primary)) {
            return NOTHING;
        }
        String preferred = cluster.getSpec().getSwitchover() == null ? null : cluster.getSpec().getSwitchover().getTargetPod();
        return SwitchoverTargets.eligible(cluster, pods, pod -> !request.wants(pod) && mayTakeOver.test(pod))
                .map(p -> p.getMetadata().getName())
                .sorted(Comparator.comparing(pod -> !pod.equals(preferred)))
                .map(pod -> new MaintenanceFencing(pod, null, true)).findFirst()
                .orElse(new MaintenanceFencing(null, "the primary " + primary + " is to be fenced: it stays primary, "
                        + "unfenced, until another store that is not to be fenced is ready to take over", true));
    }

    /** Why the fences asked for would stop sync writes, or null. */
    static String wouldStopWrites(FenceRequest request, KVClusterSpec spec) {
        if (request.pods() == null || request.pods().isEmpty() || !"sync".equals(spec.getReplication().getMode())) {
            return null;
        }
        int replicas = spec.getReplicas();
        long fenced = request.pods().stream().filter(pod -> PrimaryKeeper.ordinalOf(pod) < replicas).count();
        long following = replicas - fenced - 1;
        int minSync = spec.getReplication().getMinSyncReplicas();
        if (following >= minSync) {
            return null;
        }
        return "fencing " + String.join(", ", request.pods()) + " would leave " + Math.max(0, following)
                + " secondaries to follow the primary, fewer than minSyncReplicas " + minSync + ": sync writes would "
                + "stop, so no store is fenced until fewer are asked for (or minSyncReplicas is lowered)";
    }

    /**
     * The admin calls to make now, by pod: true to fence, false to lift the fence. Only stores that answered, and
     * never the primary (in the status or by its own word): it is switched away from first. A fence is lifted only
     * when the annotation names nothing strange: a typo in a hand-edited list must not unfence the store it meant.
     */
    Map<String, Boolean> calls(FenceRequest request, String primary, Map<String, NodeStatus> statuses) {
        Map<String, Boolean> calls = new LinkedHashMap<>();
        if (request.pods() == null) {
            return calls; // the annotation cannot be read: every store keeps its fence as it is
        }
        statuses.forEach((pod, status) -> {
            boolean wanted = request.wants(pod) && !pod.equals(primary) && !"primary".equals(status.role());
            if (wanted && !status.maintenanceFenced() && fencesAllowed) {
                calls.put(pod, true);
            } else if (!wanted && status.maintenanceFenced() && request.problem() == null) {
                calls.put(pod, false);
            }
        });
        return calls;
    }

    /** Condition {@code Fenced}: true while a store is fenced; its reason says what holds a fence back, if anything. */
    record Condition(boolean fenced, String reason, String message) {
    }

    /**
     * @param fenced the stores that report themselves fenced, after this pass's calls
     * @param failed the calls that failed this pass, each with its error
     */
    Condition condition(FenceRequest request, List<String> fenced, List<String> failed) {
        List<String> said = new ArrayList<>();
        if (!fenced.isEmpty()) {
            said.add(String.join(", ", fenced) + " fenced for maintenance (annotation " + KvNames.FENCED_PODS + ")");
        }
        if (waiting != null) {
            said.add(waiting);
        }
        if (!failed.isEmpty()) {
            said.add("not yet changed: " + String.join("; ", failed));
        }
        if (request.problem() != null) {
            said.add(request.problem());
        }
        String reason = request.problem() != null ? "InvalidAnnotation"
                : !fencesAllowed ? "WouldStopWrites"
                : waiting != null ? "PrimaryWaits"
                : !failed.isEmpty() ? "Pending"
                : fenced.isEmpty() ? "None" : "FencedForMaintenance";
        return new Condition(!fenced.isEmpty(), reason, String.join("; ", said));
    }
}
