package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/**
 * Whether a cluster's stores make clients authenticate. As the spec says; when it says nothing, yes
 * for a new cluster, and no for one whose stores already run without it: a cluster made before this
 * operator knew authentication would otherwise be restarted with it at the operator's update, and
 * every client that has no password would be locked out. Such a cluster turns it on with
 * {@code spec.auth.enabled: true}.
 */
public final class ClientAuth {

    /** The store setting whose presence in the pod template shows authentication is on. */
    static final String USERS_DIR_ENV = "KV_USERS_DIR";

    private ClientAuth() {
    }

    /**
     * Whether clients authenticate, and why, as the KVCluster's {@code ClientAuthentication} condition
     * tells it: an open cluster must be visible in {@code kubectl get kvc -o yaml}, not only in the
     * operator's log.
     */
    public record Decision(boolean enabled, boolean inForce, String reason, String message) {
        /** The stores run open only because they did before: a warning worth an Event. */
        public boolean keptOpenSinceBefore() {
            return reason.equals(KEPT_OPEN);
        }
    }

    static final String KEPT_OPEN = "KeptOpenSinceBefore";

    public static Decision decide(KVCluster cluster, StatefulSet existing, java.util.List<Pod> pods) {
        var auth = cluster.getSpec().getAuth();
        if (auth != null && Boolean.FALSE.equals(auth.getEnabled())) {
            return new Decision(false, false, "DisabledInSpec", "spec.auth.enabled is false: anyone who reaches the "
                    + "client ports reads and writes every key");
        }
        if ((auth == null || auth.getEnabled() == null) && runsOpen(existing, pods)) {
            return new Decision(false, false, KEPT_OPEN, "the stores ran without client authentication before this "
                    + "operator had it and are kept so, to lock no client out; set spec.auth.enabled: true to turn it "
                    + "on (a rolling restart; clients then need the password in Secret " + KvNames.usersOf(cluster) + ")");
        }
        if (pods.stream().anyMatch(pod -> !hasUsers(pod.getSpec().getContainers()))) {
            return new Decision(true, false, "Enabling", "the stores restart one by one with client authentication; "
                    + "until the last has, some still take clients without a password");
        }
        return new Decision(true, true, "UsersSecret", "clients authenticate as the users in Secret "
                + KvNames.usersOf(cluster));
    }

    /** For a cluster with nothing running yet. */
    public static boolean enabled(KVCluster cluster, StatefulSet existing) {
        return enabled(cluster, existing, java.util.List.of());
    }

    /**
     * @param existing the cluster's StatefulSet as it runs now, or null when there is none
     * @param pods     the cluster's store pods: they tell when the StatefulSet was deleted and the pods
     *                 orphaned (the usual way to change volume claim templates)
     */
    public static boolean enabled(KVCluster cluster, StatefulSet existing, java.util.List<Pod> pods) {
        return decide(cluster, existing, pods).enabled();
    }

    private static boolean runsOpen(StatefulSet existing, java.util.List<Pod> pods) {
        if (existing != null) {
            return !hasUsers(existing.getSpec().getTemplate().getSpec().getContainers());
        }
        return pods.stream().anyMatch(pod -> !hasUsers(pod.getSpec().getContainers()));
    }

    private static boolean hasUsers(java.util.List<Container> containers) {
        return containers.stream().anyMatch(c -> c.getEnv() != null
                && c.getEnv().stream().anyMatch(e -> USERS_DIR_ENV.equals(e.getName())));
    }
}
