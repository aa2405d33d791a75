package dev.kvstore.operator.reconcile;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.core.tls.SslContexts;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.ClusterCertificates;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.ServerCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.jboss.logging.Logger;

/**
 * Keeps the certificates of clusters with TLS: the CA in {@code <name>-ca} (made once, never shown to
 * the stores' pods), its certificate in the ConfigMap {@code <name>-ca-cert} for clients, and the
 * stores' certificate in {@code <name>-tls}, issued anew when due ({@link ClusterCertificates#renewalReason}).
 * The stores read the mounted Secret again by themselves: a renewal restarts nothing. The operator's
 * own client certificate for the admin ports is issued from the same CA, kept in memory only.
 */
final class CertificateKeeper {

    private static final Logger LOG = Logger.getLogger(CertificateKeeper.class);
    /** The operator's admin client certificate: short-lived, made again by each operator process. */
    private static final Duration ADMIN_CLIENT_VALIDITY = Duration.ofDays(30);
    private static final Duration ADMIN_CLIENT_RENEW_BEFORE = Duration.ofDays(7);

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, AdminIdentity> adminIdentities = new ConcurrentHashMap<>();

    private record AdminIdentity(String caPem, SSLContext context, Instant notAfter) {
    }

    /**
     * A pass runs every second: what was read and found good last time is not parsed and checked again
     * while its Secret's resourceVersion (and the cluster's generation, for renewBeforeDays) is the same.
     */
    private record KnownCa(String resourceVersion, CertificateAuthority ca) {
    }

    private record GoodCertificate(String resourceVersion, String caPem, long generation, Instant dueAt) {
    }

    private final Map<String, KnownCa> knownCas = new ConcurrentHashMap<>();
    private final Map<String, GoodCertificate> goodCertificates = new ConcurrentHashMap<>();

    CertificateKeeper(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /**
     * What a pass got: the TLS context of the operator's admin calls to the cluster's stores (null when
     * not even the CA could be read) and, when something could not be made or renewed, why.
     */
    record Result(SSLContext adminContext, String error) {
    }

    /**
     * The CAs of the certificates of the user's the client ports may show, for clients (ConfigMap
     * {@code <name>-ca-cert}, after the cluster's). Not complete when one of their Secrets cannot be read or
     * judged good: the ConfigMap then keeps what it holds beside the cluster's CA, so clients lose nothing meanwhile.
     */
    record ClientPortCas(List<String> pems, boolean complete) {
    }

    /** A Secret's ca.crt: null when it has none (or none that reads); not readable when the Secret is not there. */
    record SecretCa(boolean readable, String pem) {
    }

    /**
     * Makes or renews what is missing or due. The admin identity needs the CA alone: a failure with the
     * stores' Secret or the ConfigMap after it still answers one, so that the stores stay supervised.
     */
    Result ensure(KVCluster cluster, ClientPortCas clientPortCas) {
        CertificateAuthority ca;
        try {
            ca = caOf(cluster);
        } catch (RuntimeException e) {
            // never a null error: callers take null for "made"
            return new Result(null, java.util.Objects.toString(e.getMessage(), e.toString()));
        }
        Instant now = clock.instant();
        SSLContext context = adminContext(cluster, ca, now);
        String expiring = ClusterCertificates.caExpiringProblem(ca, cluster, now);
        if (expiring != null) {
            return new Result(context, expiring);
        }
        try {
            keepStoreCertificate(cluster, ca, now, clientPortCas);
            return new Result(context, null);
        } catch (RuntimeException e) {
            return new Result(context, java.util.Objects.toString(e.getMessage(), e.toString()));
        }
    }

    /**
     * The certificate of the user's that the spec names for the client ports, read from its Secret and judged;
     * a Secret that cannot be read (refused, a timeout) is judged as one that is not good.
     */
    ServerCertificate serverCertificate(KVCluster cluster, String secretName) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(secretName).get();
        } catch (KubernetesClientException e) {
            return ServerCertificate.unreadable(secretName, e.getMessage());
        }
        return ServerCertificate.judge(secretName, secret == null ? null : secret.getType(), decoded(secret), cluster,
                clock.instant());
    }

    /** The ca.crt of a Secret the stores mount for their client ports. */
    SecretCa caOf(KVCluster cluster, String secretName) {
        try {
            Secret secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(secretName).get();
            if (secret == null) {
                return new SecretCa(false, null);
            }
            String pem = decoded(secret).get(ServerCertificate.CA);
            return new SecretCa(true, pem == null || pem.isBlank() || !readsAsCertificates(pem) ? null : pem);
        } catch (KubernetesClientException e) {
            return new SecretCa(false, null);
        }
    }

    private static boolean readsAsCertificates(String pem) {
        try {
            return !CertificateAuthority.Pem.certificates(pem).isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void keepStoreCertificate(KVCluster cluster, CertificateAuthority ca, Instant now, ClientPortCas clientPortCas) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        // never taken over: a Secret or ConfigMap of these names that is not this cluster's (cert-manager's, a
        // user's) is left as it is, and said
        var caCertificate = client.configMaps().inNamespace(namespace).withName(KvNames.caCertificate(name)).get();
        refuseForeign(caCertificate, cluster, "ConfigMap " + KvNames.caCertificate(name));
        String published = caCertificate == null || caCertificate.getData() == null ? null
                : caCertificate.getData().get(ClusterCertificates.CA_CERT);
        String bundle = ClusterCertificates.caBundleToPublish(ca, published, clientPortCas.pems(), clientPortCas.complete());
        if (!bundle.equals(published)) {
            // written when it differs only: a pass runs every second
            client.resource(ClusterCertificates.caConfigMap(cluster, bundle)).fieldManager(KvNames.FIELD_MANAGER)
                    .forceConflicts().serverSideApply();
        }
        Secret tls = client.secrets().inNamespace(namespace).withName(KvNames.tlsSecret(name)).get();
        refuseForeign(tls, cluster, "Secret " + KvNames.tlsSecret(name));
        String key = namespace + "/" + name;
        GoodCertificate good = goodCertificates.get(key);
        long generation = cluster.getMetadata().getGeneration() == null ? 0 : cluster.getMetadata().getGeneration();
        if (tls != null && good != null && good.resourceVersion().equals(tls.getMetadata().getResourceVersion())
                && good.caPem().equals(ca.certificatePem()) && good.generation() == generation && now.isBefore(good.dueAt())) {
            return;
        }
        String why = ClusterCertificates.renewalReason(decoded(tls), ca, cluster, now);
        if (why == null) {
            Instant dueAt = CertificateAuthority.Pem.certificate(decoded(tls).get(ClusterCertificates.TLS_CERT)).getNotAfter()
                    .toInstant().minus(ClusterCertificates.renewBefore(cluster));
            goodCertificates.put(key, new GoodCertificate(tls.getMetadata().getResourceVersion(), ca.certificatePem(),
                    generation, dueAt));
        } else {
            CertificateAuthority.Issued issued = ca.issue(ClusterCertificates.storeCommonName(cluster),
                    ClusterCertificates.dnsNames(cluster),
                    ClusterCertificates.ipAddresses(), now, ClusterCertificates.validityFrom(cluster, ca, now));
            client.resource(ClusterCertificates.tlsSecret(cluster, ca, issued)).fieldManager(KvNames.FIELD_MANAGER)
                    .forceConflicts().serverSideApply();
            LOG.infof("%s/%s: issued the stores' certificate (%s), valid until %s", namespace, name, why,
                    issued.notAfter());
        }
    }

    private static void refuseForeign(io.fabric8.kubernetes.api.model.HasMetadata existing, KVCluster cluster, String what) {
        if (existing == null) {
            return;
        }
        var owners = existing.getMetadata().getOwnerReferences();
        boolean ours = owners != null && owners.stream().anyMatch(o -> cluster.getMetadata().getUid().equals(o.getUid()));
        if (!ours) {
            throw new IllegalStateException(what + " exists and is not this cluster's: it is left as it is; rename or "
                    + "delete it, or set spec.tls.enabled: false");
        }
    }

    private SSLContext adminContext(KVCluster cluster, CertificateAuthority ca, Instant now) {
        String key = cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
        AdminIdentity known = adminIdentities.get(key);
        if (known != null && known.caPem().equals(ca.certificatePem())
                && (now.isBefore(known.notAfter().minus(ADMIN_CLIENT_RENEW_BEFORE))
                    // capped at the CA's expiry: issuing again would not last longer
                    || !known.notAfter().isBefore(ca.notAfter()))) {
            return known.context();
        }
        Duration caLeft = Duration.between(now, ca.notAfter());
        CertificateAuthority.Issued issued = ca.issue(KvNames.ADMIN_CLIENT, List.of(), List.of(), now,
                caLeft.compareTo(ADMIN_CLIENT_VALIDITY) < 0 ? caLeft : ADMIN_CLIENT_VALIDITY);
        SSLContext context = SslContexts.forClusterMembers(ca.certificatePem(), issued.certificatePem(), issued.keyPem());
        adminIdentities.put(key, new AdminIdentity(ca.certificatePem(), context, issued.notAfter()));
        return context;
    }

    /** The cluster's CA: read from its Secret, or made once when there is none (two passes at once: one wins). */
    private CertificateAuthority caOf(KVCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String secretName = KvNames.caSecret(cluster.getMetadata().getName());
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        KnownCa known = knownCas.get(namespace + "/" + secretName);
        if (secret != null && known != null && known.resourceVersion().equals(secret.getMetadata().getResourceVersion())) {
            return known.ca();
        }
        Map<String, String> existing = decoded(secret);
        Map<String, String> labels = secret == null ? null : secret.getMetadata().getLabels();
        if (existing == null) {
            CertificateAuthority made = CertificateAuthority.create(cluster.getMetadata().getName() + "-ca", clock.instant(),
                    ClusterCertificates.CA_VALIDITY);
            try {
                client.resource(ClusterCertificates.caSecret(cluster, made)).create();
                return made;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // made meanwhile by another pass, or by someone else: checked like any other
                secret = client.secrets().inNamespace(namespace).withName(secretName).get();
                existing = decoded(secret);
                labels = secret == null ? null : secret.getMetadata().getLabels();
            }
        }
        String problem = ClusterCertificates.caProblem(labels, existing, cluster, clock.instant());
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        CertificateAuthority ca = CertificateAuthority.fromPem(existing.get(ClusterCertificates.CA_CERT),
                existing.get(ClusterCertificates.CA_KEY));
        if (secret != null) {
            knownCas.put(namespace + "/" + secretName, new KnownCa(secret.getMetadata().getResourceVersion(), ca));
        }
        return ca;
    }

    private static Map<String, String> decoded(Secret secret) {
        if (secret == null) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            values.putAll(secret.getStringData());
        }
        return values;
    }
}
