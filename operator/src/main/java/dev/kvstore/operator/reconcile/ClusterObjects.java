package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.ClusterResources;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Makes and applies the objects a cluster's stores run in (Secrets, Services, budgets, the StatefulSet, the
 * NetworkPolicy), each on its own. One the API server refuses (422: another field manager's value beside the
 * operator's, a webhook, a quota) is reported, and neither keeps the others from being applied nor the pass
 * from going on to supervise the stores: a failover must never wait for a PodDisruptionBudget.
 */
final class ClusterObjects {

    /** The condition that says whether every object of the cluster was applied in the last pass. */
    static final String CONDITION = "ObjectsApplied";

    /** What the API server refused in one pass, a line each ("Kind name: why"); empty when all was applied. */
    record Outcome(List<String> refused) {
        boolean allApplied() {
            return refused.isEmpty();
        }

        String message() {
            return allApplied() ? "every object of the cluster is applied" : String.join("; ", refused);
        }
    }

    /** What the pass decided for the objects it applies. */
    record Desired(int statefulSetReplicas, boolean clientAuth, dev.kvstore.operator.resources.TransportSecurity.Template transport,
                   HasMetadata networkPolicy, String restoreBackup) {
    }

    private final KubernetesClient client;

    ClusterObjects(KubernetesClient client) {
        this.client = client;
    }

    Outcome apply(KVCluster cluster, Desired desired) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        List<String> refused = new ArrayList<>();
        if (cluster.getSpec().getSecretName() == null || cluster.getSpec().getSecretName().isBlank()) {
            createIfAbsent(refused, KvNames.generatedSecret(name), () -> ClusterResources.secret(cluster), namespace);
        }
        if (desired.clientAuth() && KvNames.usersOf(cluster).equals(KvNames.generatedUsers(name))) {
            // made once when absent; a Secret of that name made by the user beforehand is used as it is
            createIfAbsent(refused, KvNames.usersOf(cluster), () -> ClusterResources.usersSecret(cluster), namespace);
        }
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(ClusterResources.headlessService(cluster));
        objects.addAll(ClusterResources.clientServices(cluster));
        // sized by the stores there are: a scale-down past the primary holds more for a while
        objects.add(ClusterResources.podDisruptionBudget(cluster, desired.statefulSetReplicas()));
        objects.add(ClusterResources.primaryDisruptionBudget(cluster, desired.statefulSetReplicas()));
        objects.add(ClusterResources.statefulSet(cluster, desired.statefulSetReplicas(), desired.clientAuth(),
                desired.transport(), desired.restoreBackup()));
        if (desired.networkPolicy() != null) {
            objects.add(desired.networkPolicy());
        }
        for (HasMetadata object : objects) {
            try {
                client.resource(object).fieldManager(KvNames.FIELD_MANAGER).forceConflicts().serverSideApply();
            } catch (KubernetesClientException e) {
                refused.add(object.getKind() + " " + object.getMetadata().getName() + ": " + why(e));
            }
        }
        return new Outcome(List.copyOf(refused));
    }

    private void createIfAbsent(List<String> refused, String secretName, Supplier<HasMetadata> secret, String namespace) {
        try {
            if (client.secrets().inNamespace(namespace).withName(secretName).get() == null) {
                client.resource(secret.get()).create();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) { // 409: another pass made it meanwhile, which is as good
                refused.add("Secret " + secretName + ": " + why(e));
            }
        }
    }

    /** The API server's own words when it gave a status (fabric8's message adds the request and the whole status). */
    static String why(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
    }
}
