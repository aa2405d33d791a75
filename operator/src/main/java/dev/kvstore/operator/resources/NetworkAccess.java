package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Map;

/**
 * Whether a cluster gets its NetworkPolicy ({@link StoreNetworkPolicy}), and why, as the KVCluster's
 * {@code NetworkPolicy} condition tells it. As the spec says; when it says nothing, yes for a new
 * cluster, and no for one made before this operator kept policies: where the network plugin enforces
 * them, a policy made at the operator's update would cut off every client pod without the label. Such
 * a cluster turns it on with {@code spec.networkPolicy.enabled: true}.
 *
 * <p>"Made before" is seen once, from a StatefulSet without the admin port, and must hold for good:
 * the update's rolling restart soon gives the cluster this release's StatefulSet. So it is kept in an
 * annotation on the KVCluster ({@link #MADE_BEFORE_ANNOTATION}), written before anything of the cluster
 * changes, not in the status, which a failed pass or a restore from a manifest can lose.
 */
public final class NetworkAccess {

    public static final String CONDITION = "NetworkPolicy";
    /** On a KVCluster made before this operator kept NetworkPolicies: without a spec saying so, none. */
    public static final String MADE_BEFORE_ANNOTATION = "kvstore.dev/made-before-network-policies";
    static final String KEPT_OPEN = "KeptOpenSinceBefore";
    static final String OPERATOR_UNKNOWN = "OperatorUnknown";

    private NetworkAccess() {
    }

    /**
     * @param markMadeBefore the cluster must get {@link #MADE_BEFORE_ANNOTATION} before anything else
     *                       of it changes
     */
    public record Decision(boolean wanted, String reason, String message, boolean markMadeBefore) {
        public boolean keptOpenSinceBefore() {
            return reason.equals(KEPT_OPEN);
        }

        /** Whether the operator's own policy, if any, goes: not when the operator only lacks its own pods. */
        public boolean removesPolicy() {
            return !wanted && !reason.equals(OPERATOR_UNKNOWN);
        }
    }

    /**
     * @param existing      the cluster's StatefulSet as it runs now, or null when there is none
     * @param hasOwnPolicy  whether the operator's policy for the cluster exists (then the cluster is not one
     *                      made before policies, whatever its StatefulSet looks like: an operator rolled back
     *                      and forward again meets such clusters)
     * @param operatorKnown whether the operator knows its own pods (a policy without them would lock it
     *                      out of the admin ports)
     */
    public static Decision decide(KVCluster cluster, StatefulSet existing, boolean hasOwnPolicy, boolean operatorKnown) {
        var spec = cluster.getSpec().getNetworkPolicy();
        String name = cluster.getMetadata().getName();
        boolean marked = madeBefore(cluster);
        boolean madeBefore = marked || existing != null && !hasOwnPolicy && !hasAdminPort(existing);
        boolean mark = madeBefore && !marked;
        if (spec != null && Boolean.FALSE.equals(spec.getEnabled())) {
            return new Decision(false, "DisabledInSpec", "spec.networkPolicy.enabled is false: every pod that reaches "
                    + "the stores reaches every port, the admin and replication ports too", mark);
        }
        boolean unset = spec == null || spec.getEnabled() == null;
        if (unset && madeBefore) {
            return new Decision(false, KEPT_OPEN, "the cluster was made before this operator kept NetworkPolicies and "
                    + "is kept without one, to cut no client off; label client pods " + KvNames.CLIENT_OF_LABEL + "="
                    + name + " (or list their namespaces in spec.networkPolicy.clientNamespaces), then set "
                    + "spec.networkPolicy.enabled: true", mark);
        }
        if (!operatorKnown) {
            return new Decision(false, OPERATOR_UNKNOWN, "the operator does not know its own pods "
                    + "(KV_OPERATOR_POD_NAMESPACE, KV_OPERATOR_POD_SELECTOR; the chart sets them), so a policy would "
                    + "lock it out of the stores' admin ports: it makes none, and leaves one it made before as it is",
                    mark);
        }
        return new Decision(true, "Applied", "NetworkPolicy " + KvNames.networkPolicy(name) + " lets only the "
                + "cluster's pods and the operator reach the replication and admin ports, and the chosen clients the "
                + "client ports (where the network plugin enforces policies)", mark);
    }

    /** A NetworkPolicy of the cluster's policy name exists and is not the operator's: it is left alone. */
    public static Decision nameTaken(KVCluster cluster, Decision decided) {
        String policy = KvNames.networkPolicy(cluster.getMetadata().getName());
        return new Decision(false, "NameTaken", "a NetworkPolicy " + policy + " that the operator did not make exists; "
                + "the operator leaves it as it is and keeps none of its own (rename or delete it to get the "
                + "operator's)", decided.markMadeBefore());
    }

    public static boolean madeBefore(KVCluster cluster) {
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(MADE_BEFORE_ANNOTATION);
    }

    /** A StatefulSet of an operator that kept policies declares the admin port; one made before does not. */
    private static boolean hasAdminPort(StatefulSet existing) {
        return existing.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getPorts() != null)
                .flatMap(c -> c.getPorts().stream())
                .anyMatch(port -> "admin".equals(port.getName()));
    }
}
