package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
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

    /** @param existing the cluster's StatefulSet as it runs now, or null when there is none yet */
    public static boolean enabled(KVCluster cluster, StatefulSet existing) {
        var auth = cluster.getSpec().getAuth();
        if (auth != null && auth.getEnabled() != null) {
            return auth.getEnabled();
        }
        return existing == null || runsWithAuth(existing);
    }

    /** The spec leaves it open and the running stores have none: kept as it is (the operator says so in its log). */
    public static boolean keptOpenSinceBefore(KVCluster cluster, StatefulSet existing) {
        var auth = cluster.getSpec().getAuth();
        return (auth == null || auth.getEnabled() == null) && existing != null && !runsWithAuth(existing);
    }

    private static boolean runsWithAuth(StatefulSet existing) {
        var containers = existing.getSpec().getTemplate().getSpec().getContainers();
        return containers.stream().anyMatch(c -> c.getEnv() != null
                && c.getEnv().stream().anyMatch(e -> USERS_DIR_ENV.equals(e.getName())));
    }
}
