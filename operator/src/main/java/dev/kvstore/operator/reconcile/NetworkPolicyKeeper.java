package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.NetworkAccess;
import dev.kvstore.operator.resources.OperatorPods;
import dev.kvstore.operator.resources.StoreNetworkPolicy;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a cluster's NetworkPolicy as {@link NetworkAccess} decides: marks a cluster made before
 * policies (before anything of it changes), and never takes over nor deletes a policy of that name
 * that the operator did not make. What exists comes from the reconciler's NetworkPolicy informer, so
 * a policy deleted, replaced or restored by someone else is seen at the next pass.
 */
final class NetworkPolicyKeeper {

    private static final String MADE_BEFORE_VALUE = "no NetworkPolicy unless spec.networkPolicy.enabled is true";

    private final KubernetesClient client;
    private final OperatorPods operatorPods;
    /** Clusters (by uid) this process marked: a cached KVCluster a moment old may not show the mark yet. */
    private final Set<String> marked = ConcurrentHashMap.newKeySet();

    NetworkPolicyKeeper(KubernetesClient client, OperatorPods operatorPods) {
        this.client = client;
        this.operatorPods = operatorPods;
    }

    /**
     * What to do this pass. A cluster seen to be made before policies is marked first (or the pass
     * fails); the operator's own policy is deleted here when the decision removes it.
     *
     * @param existing the policy of the cluster's policy name, whoever made it, or null
     */
    NetworkAccess.Decision decide(KVCluster cluster, StatefulSet running, NetworkPolicy existing) {
        String uid = cluster.getMetadata().getUid();
        if (marked.contains(uid) && !NetworkAccess.madeBefore(cluster)) {
            withMark(cluster);
        }
        boolean ours = existing != null && ownedBy(existing, uid);
        NetworkAccess.Decision decision = NetworkAccess.decide(cluster, running, ours, operatorPods.known());
        if (decision.markMadeBefore()) {
            markMadeBefore(cluster);
        }
        if (decision.removesPolicy() && ours) {
            policy(cluster).delete();
        }
        if (decision.wanted() && existing != null && !ours) {
            return NetworkAccess.nameTaken(cluster, decision);
        }
        return decision;
    }

    /** The policy to apply with the cluster's other objects, or null when it gets none. */
    NetworkPolicy desired(KVCluster cluster, NetworkAccess.Decision decision) {
        return decision.wanted() ? StoreNetworkPolicy.of(cluster, operatorPods) : null;
    }

    private void markMadeBefore(KVCluster cluster) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + NetworkAccess.MADE_BEFORE_ANNOTATION + "\":\""
                + MADE_BEFORE_VALUE + "\"}}}";
        client.resources(KVCluster.class).inNamespace(cluster.getMetadata().getNamespace())
                .withName(cluster.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        marked.add(cluster.getMetadata().getUid());
        withMark(cluster);
    }

    private static void withMark(KVCluster cluster) {
        Map<String, String> annotations = cluster.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(cluster.getMetadata().getAnnotations());
        annotations.put(NetworkAccess.MADE_BEFORE_ANNOTATION, MADE_BEFORE_VALUE);
        cluster.getMetadata().setAnnotations(annotations);
    }

    private io.fabric8.kubernetes.client.dsl.Resource<NetworkPolicy> policy(KVCluster cluster) {
        return client.network().v1().networkPolicies().inNamespace(cluster.getMetadata().getNamespace())
                .withName(KvNames.networkPolicy(cluster.getMetadata().getName()));
    }

    private static boolean ownedBy(NetworkPolicy policy, String uid) {
        return policy.getMetadata().getOwnerReferences() != null && policy.getMetadata().getOwnerReferences().stream()
                .anyMatch(owner -> uid.equals(owner.getUid()));
    }
}
