package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Whether a cluster gets its NetworkPolicy ({@link StoreNetworkPolicy}), and why, as the KVCluster's
 * {@code NetworkPolicy} condition tells it. As the spec says; when it says nothing, yes for a new
 * cluster, and no for one made before this operator kept policies: where the network plugin enforces
 * them, a policy made at the operator's update would cut off every client pod without the label.
 * Such a cluster turns it on with {@code spec.networkPolicy.enabled: true}. The decision sticks through
 * the condition, since the update's rolling restart soon makes the cluster look like a new one.
 */
public final class NetworkAccess {

    public static final String CONDITION = "NetworkPolicy";
    static final String KEPT_OPEN = "KeptOpenSinceBefore";

    private NetworkAccess() {
    }

    public record Decision(boolean wanted, String reason, String message) {
        public boolean keptOpenSinceBefore() {
            return reason.equals(KEPT_OPEN);
        }
    }

    /**
     * @param existing the cluster's StatefulSet as it runs now, or null when there is none
     * @param previous the cluster's {@code NetworkPolicy} condition as last written, or null
     */
    public static Decision decide(KVCluster cluster, StatefulSet existing, Condition previous) {
        var spec = cluster.getSpec().getNetworkPolicy();
        String policy = KvNames.networkPolicy(cluster.getMetadata().getName());
        if (spec != null && Boolean.FALSE.equals(spec.getEnabled())) {
            return new Decision(false, "DisabledInSpec", "spec.networkPolicy.enabled is false: every pod that reaches "
                    + "the stores reaches every port, the admin and replication ports too");
        }
        boolean unset = spec == null || spec.getEnabled() == null;
        boolean keptBefore = previous != null && KEPT_OPEN.equals(previous.getReason());
        boolean madeBefore = previous == null && existing != null && !hasAdminPort(existing);
        if (unset && (keptBefore || madeBefore)) {
            return new Decision(false, KEPT_OPEN, "the cluster was made before this operator kept NetworkPolicies and "
                    + "is kept without one, to cut no client off; label client pods " + KvNames.CLIENT_OF_LABEL + "="
                    + cluster.getMetadata().getName() + " (or list their namespaces in spec.networkPolicy."
                    + "clientNamespaces), then set spec.networkPolicy.enabled: true");
        }
        return new Decision(true, "Applied", "NetworkPolicy " + policy + " lets only the cluster's pods and the "
                + "operator reach the replication and admin ports, and the chosen clients the client ports (where "
                + "the network plugin enforces policies)");
    }

    /** A StatefulSet of an operator that kept policies declares the admin port; one made before does not. */
    private static boolean hasAdminPort(StatefulSet existing) {
        return existing.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getPorts() != null)
                .flatMap(c -> c.getPorts().stream())
                .anyMatch(port -> "admin".equals(port.getName()));
    }
}
