package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;

/**
 * Whether a cluster's stores speak TLS. As the spec says; when it says nothing, yes for a new cluster,
 * and no for one whose stores already run without it: clients of a cluster made before this operator
 * had TLS speak plain TCP, and would all fail at the operator's update. Such a cluster turns it on with
 * {@code spec.tls.enabled: true}. The reason is the {@code TLS} condition of the KVCluster.
 */
public final class TransportSecurity {

    /** The store setting whose presence in a pod template shows TLS is on. */
    public static final String TLS_DIR_ENV = "KV_TLS_DIR";

    /**
     * The store setting that puts the HTTP port on TLS too ("true"), or keeps it in clear ("false"). A
     * store of the release before reads neither and keeps that port in clear whatever it says.
     */
    public static final String HTTP_TLS_ENV = "KV_HTTP_TLS";

    /**
     * On the StatefulSet (not its pod template: no restart) of a cluster whose HTTP port is kept in clear
     * since the release before had TLS on it, so that this stays told apart from {@code spec.tls.http: false}
     * (both write KV_HTTP_TLS=false): once the spec says nothing again, only the former keeps it in clear.
     */
    public static final String HTTP_KEPT_ANNOTATION = "kvstore.dev/http-in-clear-since-before";

    /** The store setting naming the directory of the certificate its client ports show, when it is the user's. */
    public static final String CLIENT_TLS_DIR_ENV = "KV_TLS_CLIENT_DIR";

    static final String KEPT_OFF = "KeptOffSinceBefore";

    /**
     * TLS as a StatefulSet's template is to have it: on or off, the HTTP port on TLS or in clear (and whether
     * only because it was so before this release), and the Secret of the user's whose certificate the
     * client ports show (null: the operator's).
     */
    public record Template(boolean enabled, boolean http, boolean httpKept, String serverSecret) {
    }

    private TransportSecurity() {
    }

    /**
     * @param http whether the HTTP port is on TLS too (never without {@code enabled}): as
     *     {@code spec.tls.http} says; unset, yes, except for a cluster whose stores already run TLS with that
     *     port in clear (made by the release before it had it): its HTTP clients speak plain HTTP
     * @param httpKept whether {@code http} is false for that last reason (and the spec says nothing)
     */
    public record Decision(boolean enabled, boolean inForce, String reason, String message, boolean http,
                           boolean httpKept) {
        public boolean keptOffSinceBefore() {
            return reason.equals(KEPT_OFF);
        }
    }

    public static Decision decide(KVCluster cluster, StatefulSet existing, List<Pod> pods) {
        var tls = cluster.getSpec().getTls();
        if (tls != null && Boolean.FALSE.equals(tls.getEnabled())) {
            return new Decision(false, false, "DisabledInSpec", "spec.tls.enabled is false: clients, replication and "
                    + "admin calls travel in clear", false, false);
        }
        if ((tls == null || tls.getEnabled() == null) && runsWithout(existing, pods)) {
            return new Decision(false, false, KEPT_OFF, "the stores ran without TLS before this operator had it and "
                    + "are kept so, to break no client; set spec.tls.enabled: true to turn it on (a rolling restart; "
                    + "clients then need TLS and the CA of ConfigMap " + KvNames.caCertificate(cluster.getMetadata().getName())
                    + ")", false, false);
        }
        Boolean asked = tls == null ? null : tls.getHttp();
        boolean httpKept = asked == null && httpKeptInClear(existing, pods);
        boolean http = asked != null ? asked : !httpKept;
        if (pods.stream().anyMatch(pod -> !hasTls(pod.getSpec().getContainers()))) {
            return new Decision(true, false, "Enabling", "the stores restart with TLS, all at once (a store with TLS "
                    + "cannot follow one without): writes pause until they are back", http, httpKept);
        }
        String ports = http ? "the Redis-protocol, HTTP, replication and admin ports"
                : "the Redis-protocol, replication and admin ports (the HTTP port in clear: "
                + (!httpKept ? "spec.tls.http is false" : "kept so since before this operator "
                + "had it, to break no HTTP client; spec.tls.http: true turns it on, a rolling restart") + ")";
        return new Decision(true, true, "OperatorCA", "TLS 1.3 on " + ports + ", certificates of the cluster's CA "
                + "(its certificate: ConfigMap " + KvNames.caCertificate(cluster.getMetadata().getName()) + ")", http,
                httpKept);
    }

    /** Whether this pod's store serves its HTTP port on TLS (how to reach that port). */
    public static boolean runsHttpTls(Pod pod) {
        return runsWithTls(pod) && hasHttpTls(pod.getSpec().getContainers());
    }

    /** Whether this pod's store was started with TLS (how to call its admin port). */
    public static boolean runsWithTls(Pod pod) {
        return pod != null && pod.getSpec() != null && hasTls(pod.getSpec().getContainers());
    }

    /** Whether this StatefulSet makes its stores with TLS. */
    public static boolean templateHasTls(StatefulSet statefulSet) {
        return hasTls(statefulSet.getSpec().getTemplate().getSpec().getContainers());
    }

    /** The Secret of the user's whose certificate this StatefulSet's stores show on their client ports; null: none. */
    public static String templateServerSecret(StatefulSet statefulSet) {
        var spec = statefulSet.getSpec().getTemplate().getSpec();
        if (!hasTls(spec.getContainers()) || setting(spec.getContainers(), CLIENT_TLS_DIR_ENV) == null || spec.getVolumes() == null) {
            return null;
        }
        return spec.getVolumes().stream().filter(v -> ClusterResources.CLIENT_TLS_VOLUME.equals(v.getName()))
                .filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()).findFirst().orElse(null);
    }

    /** The Secret of the user's whose certificate this pod's store shows on its client ports; null: none. */
    public static String podServerSecret(Pod pod) {
        if (pod == null || pod.getSpec() == null || pod.getSpec().getVolumes() == null
                || setting(pod.getSpec().getContainers(), CLIENT_TLS_DIR_ENV) == null) {
            return null;
        }
        return pod.getSpec().getVolumes().stream().filter(v -> ClusterResources.CLIENT_TLS_VOLUME.equals(v.getName()))
                .filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()).findFirst().orElse(null);
    }

    /** Whether this StatefulSet makes its stores with the HTTP port on TLS. */
    public static boolean templateHasHttpTls(StatefulSet statefulSet) {
        List<Container> template = statefulSet.getSpec().getTemplate().getSpec().getContainers();
        return hasTls(template) && hasHttpTls(template);
    }

    private static boolean runsWithout(StatefulSet existing, List<Pod> pods) {
        if (existing != null) {
            return !hasTls(existing.getSpec().getTemplate().getSpec().getContainers());
        }
        return pods.stream().anyMatch(pod -> !hasTls(pod.getSpec().getContainers()));
    }

    /**
     * Stores that run TLS with the HTTP port in clear since the release before had it on: a template of
     * that release (TLS, no KV_HTTP_TLS at all), or one this operator marked so. Without a StatefulSet
     * (deleted with --cascade=orphan), pods with TLS and that port in clear, whatever the reason.
     */
    private static boolean httpKeptInClear(StatefulSet existing, List<Pod> pods) {
        if (existing != null) {
            List<Container> template = existing.getSpec().getTemplate().getSpec().getContainers();
            return markedKept(existing) || (hasTls(template) && setting(template, HTTP_TLS_ENV) == null);
        }
        return pods.stream().anyMatch(pod -> hasTls(pod.getSpec().getContainers()) && !hasHttpTls(pod.getSpec().getContainers()));
    }

    /** Whether this operator marked the StatefulSet's HTTP port as kept in clear since before. */
    public static boolean markedKept(StatefulSet statefulSet) {
        var annotations = statefulSet.getMetadata() == null ? null : statefulSet.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(HTTP_KEPT_ANNOTATION));
    }

    /** The value of a store setting in these containers' environment; null when it is not there. */
    private static String setting(List<Container> containers, String name) {
        if (containers == null) {
            return null;
        }
        return containers.stream().filter(c -> c.getEnv() != null).flatMap(c -> c.getEnv().stream())
                .filter(e -> name.equals(e.getName())).map(e -> e.getValue() == null ? "" : e.getValue())
                .findFirst().orElse(null);
    }

    private static boolean hasHttpTls(List<Container> containers) {
        return "true".equals(setting(containers, HTTP_TLS_ENV));
    }

    private static boolean hasTls(List<Container> containers) {
        return setting(containers, TLS_DIR_ENV) != null;
    }
}
