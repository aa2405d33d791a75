package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;

/**
 * Each cluster's admin client: signed with the cluster's own secret, read from its Secret; to stores with TLS
 * with the operator's client certificate of the cluster's CA. The cluster's supervision makes it each pass
 * (with the TLS context it just made sure of); backups use the one it made last, so that they reach the stores
 * exactly as the supervision does.
 */
public final class ClusterAdmins {

    /** A cluster's admin client and what it was made with: made again when either changes. */
    private record Admin(ClusterSecrets secrets, SSLContext tls, AdminClient client) {
    }

    private final KubernetesClient client;
    /** By cluster (namespace/name): one client each, replaced (not added to) when its secret or certificate changes. */
    private final Map<String, Admin> admins = new ConcurrentHashMap<>();
    /** By cluster: the client a CA rotation asks the stores with, with its context of the step. */
    private final Map<String, Admin> probes = new ConcurrentHashMap<>();

    public ClusterAdmins(KubernetesClient client) {
        this.client = client;
    }

    private static String key(KVCluster cluster) {
        return cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
    }

    /**
     * The supervision's client, with short calls (a store that does not answer in 500 ms is taken for down).
     *
     * @param tls the operator's TLS context for this cluster; null: plain only
     */
    AdminClient forSupervision(KVCluster cluster, SSLContext tls) {
        Secret secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace())
                .withName(KvNames.secretOf(cluster)).get();
        if (secret == null || secret.getData() == null || !secret.getData().containsKey(KvNames.SECRET_KEY)) {
            throw new IllegalStateException("Secret " + KvNames.secretOf(cluster) + " with key '" + KvNames.SECRET_KEY
                    + "' not found");
        }
        // one a line while the secret is rotated: signed with the first, the others tried on a refusal
        ClusterSecrets value = ClusterSecrets.parse(new String(
                java.util.Base64.getDecoder().decode(secret.getData().get(KvNames.SECRET_KEY)),
                java.nio.charset.StandardCharsets.UTF_8));
        // the TLS context is the same object until the operator's certificate is renewed (CertificateKeeper);
        // SSLContext's equality is identity
        return admins.compute(key(cluster), (k, known) -> known != null && known.secrets().equals(value) && known.tls() == tls
                ? known
                : new Admin(value, tls, new AdminClient(value, Duration.ofMillis(500), StoreMember::olderReleaseAdminUrl, tls)))
                .client();
    }

    /**
     * A client with the cluster's secret and another TLS context than the supervision's, whose calls wait up to
     * 500 ms, as the supervision's (a pass waits for them): a CA rotation asks with it whether each store takes (and shows) a certificate of the new CA.
     */
    AdminClient probe(KVCluster cluster, SSLContext tls) {
        Admin known = admins.get(key(cluster));
        if (known == null) {
            throw new IllegalStateException("the cluster's secret is not known yet");
        }
        // one client (and HTTP client) per cluster, secret and context, not one per call
        return probes.compute(key(cluster), (k, probe) -> probe != null && probe.secrets().equals(known.secrets())
                && probe.tls() == tls ? probe
                : new Admin(known.secrets(), tls, new AdminClient(known.secrets(), Duration.ofMillis(500),
                        StoreMember::olderReleaseAdminUrl, tls))).client();
    }

    /**
     * A client with the secrets and TLS context the supervision used last, whose calls wait up to {@code timeout}
     * for an answer (a backup's stream starts once the store has its snapshot open). Empty until the supervision
     * has passed over the cluster since this operator started.
     */
    Optional<AdminClient> lastKnown(KVCluster cluster, Duration timeout) {
        Admin known = admins.get(key(cluster));
        return known == null ? Optional.empty()
                : Optional.of(new AdminClient(known.secrets(), timeout, StoreMember::olderReleaseAdminUrl, known.tls()));
    }
}
