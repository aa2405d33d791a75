package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every name and label the operator gives to the objects of a cluster, spelled once. */
public final class KvNames {

    public static final String ROLE_LABEL = "kvstore.dev/role";
    public static final String CLUSTER_LABEL = "kvstore.dev/cluster";
    public static final String PRIMARY = "primary";
    public static final String SECONDARY = "secondary";
    public static final String SECRET_KEY = "secret";
    public static final String FIELD_MANAGER = "kv-operator";
    public static final int HTTP_PORT = 8080;
    public static final int REPLICATION_PORT = 7400;
    /** The stores' admin API (status, fence, promote, follow): the operator's alone. */
    public static final int ADMIN_PORT = 7401;
    /** The stores' metrics port (Prometheus; https when the HTTP port has TLS), named "management" in the pod. */
    public static final int MANAGEMENT_PORT = 9000;
    /** The Redis protocol (RESP2/RESP3), Redis's own port, so clients need no port of their own. */
    public static final int REDIS_PORT = 6379;

    private KvNames() {
    }

    public static String readWrite(String cluster) {
        return cluster + "-rw";
    }

    public static String readOnly(String cluster) {
        return cluster + "-ro";
    }

    public static String anyReady(String cluster) {
        return cluster + "-r";
    }

    public static String headless(String cluster) {
        return cluster + "-headless";
    }

    /** A store pod's name through the headless Service: what the stores' certificate covers (pod IPs are in none). */
    public static String podDnsName(String pod, String cluster, String namespace) {
        return pod + "." + headless(cluster) + "." + namespace + ".svc";
    }

    public static String generatedSecret(String cluster) {
        return cluster + "-auth";
    }

    /** The Secret of client users the operator generates when the spec names none. */
    public static String generatedUsers(String cluster) {
        return cluster + "-users";
    }

    /** The Secret holding the cluster's client users (one key per user, the password as value). */
    public static String usersOf(KVCluster cluster) {
        var auth = cluster.getSpec().getAuth();
        String given = auth == null ? null : auth.getUsersSecret();
        return given != null && !given.isBlank() ? given : generatedUsers(cluster.getMetadata().getName());
    }

    /** The user the operator generates: Redis clients given only a password authenticate as it. */
    public static final String DEFAULT_USER = "default";

    public static String secretOf(KVCluster cluster) {
        String given = cluster.getSpec().getSecretName();
        return given != null && !given.isBlank() ? given : generatedSecret(cluster.getMetadata().getName());
    }

    /** The label that lets a pod of the cluster's namespace use its client ports (unless the spec says otherwise). */
    public static final String CLIENT_OF_LABEL = "kvstore.dev/client-of";
    /**
     * On a KVCluster: a rolling restart is asked for (its value, a time say, tells one request from the next;
     * {@code kubectl kv restart} sets it). The operator copies it into the pod template as {@link #RESTARTED_FOR},
     * so the StatefulSet has a new revision and the rolling update restarts every store, secondaries first.
     */
    public static final String RESTART_REQUEST = "kvstore.dev/restart";
    /**
     * On a KVCluster: the pods to fence for maintenance, a JSON list of names ({@code ["kv-2"]}; CloudNativePG's
     * {@code cnpg.io/fencedInstances}, without its "*"). {@code kubectl kv fence} and {@code unfence} edit it.
     */
    public static final String FENCED_PODS = "kvstore.dev/fenced-pods";
    public static final String RESTARTED_FOR = "kvstore.dev/restarted-for";
    /**
     * On a PodDisruptionBudget: when the operator last found it counting otherwise than the role labels say.
     * Changing it makes the disruption controller count the budget's pods anew (see {@code RoleLabels}).
     */
    public static final String ROLES_MOVED = "kvstore.dev/roles-moved";

    /** The cluster's CA (ca.crt, ca.key): only the operator reads it. */
    public static String caSecret(String cluster) {
        return cluster + "-ca";
    }

    /** The CA's certificate, for clients: a ConfigMap, since it is no secret. */
    public static String caCertificate(String cluster) {
        return cluster + "-ca-cert";
    }

    /** While a cluster is restored from a backup: the address its pods fetch the backup from (spec.bootstrap). */
    public static String restoreSecret(String cluster) {
        return cluster + "-restore";
    }

    /** The stores' certificate, key and CA (kubernetes.io/tls), mounted into every store. */
    public static String tlsSecret(String cluster) {
        return cluster + "-tls";
    }

    /** The common name of the client certificate the stores' admin ports take: the operator's. */
    public static final String ADMIN_CLIENT = "kvstore-operator";

    /** The PodDisruptionBudget that holds the primary's eviction back until it has switched over. */
    public static String primaryDisruptionBudget(String cluster) {
        return cluster + "-primary";
    }

    public static String networkPolicy(String cluster) {
        return cluster + "-network-policy";
    }

    public static String pod(String cluster, int ordinal) {
        return cluster + "-" + ordinal;
    }

    /** Labels on every object of the cluster; pods also carry {@link #ROLE_LABEL}. */
    public static Map<String, String> labels(String cluster) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "kvstore");
        labels.put("app.kubernetes.io/instance", cluster);
        labels.put("app.kubernetes.io/component", "store");
        labels.put("app.kubernetes.io/managed-by", "kv-operator");
        labels.put(CLUSTER_LABEL, cluster);
        return labels;
    }

    /** What selects the cluster's pods (a subset of {@link #labels} that never changes). */
    public static Map<String, String> selector(String cluster) {
        return Map.of("app.kubernetes.io/name", "kvstore", CLUSTER_LABEL, cluster);
    }

    public static Map<String, String> selector(String cluster, String role) {
        Map<String, String> selector = new LinkedHashMap<>(selector(cluster));
        selector.put(ROLE_LABEL, role);
        return selector;
    }
}
