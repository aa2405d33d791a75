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
import java.util.stream.Collectors;

/**
 * Makes and applies the objects a cluster's stores run in (Secrets, Services, budgets, the StatefulSet, the
 * NetworkPolicy), each on its own. One the API server refuses (422: another field manager's value beside the
 * operator's, a webhook, a quota) is reported, and neither keeps the others from being applied nor the pass
 * from going on to supervise the stores: a failover must never wait for a PodDisruptionBudget. The one
 * exception: a Secret the stores mount that could not be made holds the StatefulSet back, whose pods would not
 * start without it.
 */
final class ClusterObjects {

    /** The condition that says whether every object of the cluster was applied in the last pass. */
    static final String CONDITION = "ObjectsApplied";

    /** One object the API server refused, with its answer. */
    record Refusal(String kind, String name, int code, String reason, String message) {
        /**
         * Not a moment's trouble (a timeout, 429, a 5xx, a conflict that the next pass resolves): the object is
         * refused as it is, and will be until someone changes it or what stands in its way.
         */
        boolean lasting() {
            return code >= 400 && code < 500 && code != 409 && code != 429;
        }

        /** What identifies it from one pass to the next: the API server's message may differ every time. */
        String key() {
            return kind + " " + name + " " + code + " " + reason;
        }

        String line() {
            return kind + " " + name + ": " + message;
        }
    }

    /** What the API server refused in one pass; empty when all was applied. */
    record Outcome(List<Refusal> refused) {
        boolean allApplied() {
            return refused.isEmpty();
        }

        String message() {
            return allApplied() ? "every object of the cluster is applied"
                    : refused.stream().map(Refusal::line).collect(Collectors.joining("; "));
        }

        /** The lasting refusals' keys, sorted: said in an Event when they change, not at every pass. */
        String lastingKey() {
            return refused.stream().filter(Refusal::lasting).map(Refusal::key).sorted().collect(Collectors.joining("; "));
        }

        boolean refusedKind(String kind) {
            return refused.stream().anyMatch(r -> r.kind().equals(kind));
        }
    }

    /**
     * What the pass decided for the objects it applies.
     *
     * @param keptClaim the running StatefulSet's volume claim template, kept (a claim template cannot change in
     *                  place); null for a new StatefulSet, which gets spec.storage
     */
    record Desired(int statefulSetReplicas, boolean clientAuth, dev.kvstore.operator.resources.TransportSecurity.Template transport,
                   HasMetadata networkPolicy, String restoreBackup, String restoreTarget,
                   ClusterResources.KeptClaim keptClaim) {
    }

    private final KubernetesClient client;

    ClusterObjects(KubernetesClient client) {
        this.client = client;
    }

    Outcome apply(KVCluster cluster, Desired desired) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        List<Refusal> refused = new ArrayList<>();
        if (cluster.getSpec().getSecretName() == null || cluster.getSpec().getSecretName().isBlank()) {
            createIfAbsent(refused, KvNames.generatedSecret(name), () -> ClusterResources.secret(cluster), namespace);
        }
        if (desired.clientAuth() && KvNames.usersOf(cluster).equals(KvNames.generatedUsers(name))) {
            // made once when absent; a Secret of that name made by the user beforehand is used as it is
            createIfAbsent(refused, KvNames.usersOf(cluster), () -> ClusterResources.usersSecret(cluster), namespace);
        }
        boolean secretMissing = !refused.isEmpty();
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(ClusterResources.headlessService(cluster));
        objects.addAll(ClusterResources.clientServices(cluster));
        // sized by the stores there are: a scale-down past the primary holds more for a while
        objects.add(ClusterResources.podDisruptionBudget(cluster, desired.statefulSetReplicas()));
        objects.add(ClusterResources.primaryDisruptionBudget(cluster, desired.statefulSetReplicas()));
        HasMetadata statefulSet = ClusterResources.statefulSet(cluster, desired.statefulSetReplicas(), desired.clientAuth(),
                desired.transport(), desired.restoreBackup(), desired.restoreTarget(), desired.keptClaim());
        if (secretMissing) {
            // its pods mount that Secret: a store restarted onto this template would wait for it for good
            refused.add(new Refusal(statefulSet.getKind(), name, 0, "SecretMissing",
                    "not applied while a Secret its pods mount could not be made"));
        } else {
            objects.add(statefulSet);
        }
        if (desired.networkPolicy() != null) {
            objects.add(desired.networkPolicy());
        }
        for (HasMetadata object : objects) {
            try {
                client.resource(object).fieldManager(KvNames.FIELD_MANAGER).forceConflicts().serverSideApply();
            } catch (KubernetesClientException e) {
                refused.add(refusal(object.getKind(), object.getMetadata().getName(), e));
            }
        }
        return new Outcome(List.copyOf(refused));
    }

    private void createIfAbsent(List<Refusal> refused, String secretName, Supplier<HasMetadata> secret, String namespace) {
        try {
            if (client.secrets().inNamespace(namespace).withName(secretName).get() == null) {
                client.resource(secret.get()).create();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) { // 409: another pass made it meanwhile, which is as good
                refused.add(refusal("Secret", secretName, e));
            }
        }
    }

    /** With the API server's own words when it gave a status (fabric8's message adds the request and the whole status). */
    private static Refusal refusal(String kind, String name, KubernetesClientException e) {
        var status = e.getStatus();
        String message = status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
        return new Refusal(kind, name, e.getCode(), status == null ? "" : String.valueOf(status.getReason()), message);
    }
}
