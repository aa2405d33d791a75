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
 * policies (before anything of it changes), never takes over nor deletes a policy of that name that
 * the operator did not make, and asks the API server only when the answer may have changed.
 */
final class NetworkPolicyKeeper {

    private static final String MADE_BEFORE_VALUE = "no NetworkPolicy unless spec.networkPolicy.enabled is true";

    private final KubernetesClient client;
    private final OperatorPods operatorPods;
    /** Clusters (by uid) whose own policy this process applied, or knows removed: no lookup on every pass. */
    private final Set<String> applied = ConcurrentHashMap.newKeySet();
    private final Set<String> removed = ConcurrentHashMap.newKeySet();

    NetworkPolicyKeeper(KubernetesClient client, OperatorPods operatorPods) {
        this.client = client;
        this.operatorPods = operatorPods;
    }

    /** What to do this pass; a cluster seen to be made before policies is marked so first (or the pass fails). */
    NetworkAccess.Decision decide(KVCluster cluster, StatefulSet running) {
        NetworkAccess.Decision decision = NetworkAccess.decide(cluster, running, operatorPods.known());
        if (decision.markMadeBefore()) {
            markMadeBefore(cluster);
        }
        String uid = cluster.getMetadata().getUid();
        if (!decision.wanted()) {
            applied.remove(uid);
            if (removed.add(uid)) {
                NetworkPolicy existing = policy(cluster).get();
                if (existing != null && ownedBy(existing, uid)) {
                    policy(cluster).delete();
                }
            }
            return decision;
        }
        removed.remove(uid);
        if (!applied.contains(uid)) {
            NetworkPolicy existing = policy(cluster).get();
            if (existing != null && !ownedBy(existing, uid)) {
                return NetworkAccess.nameTaken(cluster, decision);
            }
        }
        return decision;
    }

    /** The policy to apply with the cluster's other objects, or null when it gets none. */
    NetworkPolicy desired(KVCluster cluster, NetworkAccess.Decision decision) {
        if (!decision.wanted()) {
            return null;
        }
        applied.add(cluster.getMetadata().getUid());
        return StoreNetworkPolicy.of(cluster, operatorPods);
    }

    private void markMadeBefore(KVCluster cluster) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + NetworkAccess.MADE_BEFORE_ANNOTATION + "\":\""
                + MADE_BEFORE_VALUE + "\"}}}";
        client.resources(KVCluster.class).inNamespace(cluster.getMetadata().getNamespace())
                .withName(cluster.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
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
