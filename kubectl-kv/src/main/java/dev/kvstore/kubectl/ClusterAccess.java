package dev.kvstore.kubectl;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** One KVCluster through the API server: the resource, its pods, and the names the operator gives its parts. */
final class ClusterAccess {

    static final String CLUSTER_LABEL = "kvstore.dev/cluster";
    static final String ROLE_LABEL = "kvstore.dev/role";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    ClusterAccess(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    KubernetesClient client() {
        return client;
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return name;
    }

    Resource<GenericKubernetesResource> resource() {
        return client.genericKubernetesResources("kvstore.dev/v1alpha1", "KVCluster").inNamespace(namespace)
                .withName(name);
    }

    /** The KVCluster, or a failure that says where it was looked for. */
    GenericKubernetesResource cluster() {
        GenericKubernetesResource cluster = resource().get();
        if (cluster == null) {
            throw new IllegalArgumentException("no KVCluster " + name + " in namespace " + namespace
                    + " (kubectl get kvclusters -A lists them; -n picks the namespace)");
        }
        return cluster;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> status(GenericKubernetesResource cluster) {
        Object status = cluster.getAdditionalProperties().get("status");
        return status instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
    }

    static String primaryOf(GenericKubernetesResource cluster) {
        Map<String, Object> status = status(cluster);
        Object primary = status == null ? null : status.get("primary");
        return primary == null ? null : primary.toString();
    }

    static long epochOf(GenericKubernetesResource cluster) {
        Map<String, Object> status = status(cluster);
        Object epoch = status == null ? null : status.get("epoch");
        return epoch instanceof Number n ? n.longValue() : 0;
    }

    /** The cluster's store pods, by ordinal. */
    List<Pod> pods() {
        return client.pods().inNamespace(namespace).withLabel(CLUSTER_LABEL, name).list().getItems().stream()
                .filter(pod -> pod.getMetadata().getName().startsWith(name + "-"))
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName())).toList();
    }

    /** Refuses a pod name that is not one of the cluster's pods, naming those it has. */
    void requirePod(String pod) {
        List<String> pods = pods().stream().map(p -> p.getMetadata().getName()).toList();
        if (!pods.contains(pod)) {
            throw new IllegalArgumentException(pod + " is not a pod of the KVCluster " + name + " (its pods: "
                    + String.join(", ", pods) + ")");
        }
    }

    StatefulSet statefulSet() {
        StatefulSet set = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
        if (set == null) {
            throw new IllegalStateException("the KVCluster " + name + " has no StatefulSet yet: is the operator running?");
        }
        return set;
    }

    /** The stores' image: the drill's writer runs it (bash and redis-cli are in it). */
    String storeImage() {
        return statefulSet().getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(container -> container.getName().equals("store")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no store container in StatefulSet " + name)).getImage();
    }

    /** Whether the stores speak TLS: their pods mount the cluster's certificate Secret. */
    boolean tls() {
        return statefulSet().getSpec().getTemplate().getSpec().getVolumes().stream()
                .anyMatch(volume -> volume.getSecret() != null && (name + "-tls").equals(volume.getSecret().getSecretName()));
    }

    /** The Secret of the client users: the one the spec names, else the one the operator generates. */
    @SuppressWarnings("unchecked")
    String usersSecret(GenericKubernetesResource cluster) {
        Object spec = cluster.getAdditionalProperties().get("spec");
        if (spec instanceof Map<?, ?> map && map.get("auth") instanceof Map<?, ?> auth
                && auth.get("usersSecret") instanceof String given && !given.isBlank()) {
            return given;
        }
        return name + "-users";
    }
}
