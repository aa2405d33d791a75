package dev.kvstore.operator.resources;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.operator.model.KVCluster;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The certificate of the user's that a cluster's client ports show ({@code spec.tls.serverSecret}: a
 * {@code kubernetes.io/tls} Secret, cert-manager's for example), as read from its Secret: good, or why
 * not. Pure: the Secret's decoded keys in, a judgement out. A certificate that names none of the client
 * Services is still good (clients may reach the stores by another name, through a load balancer), and
 * said in the condition.
 *
 * @param problem why the stores cannot show it (missing, unreadable, a key of another certificate,
 *     expired); null when they can
 * @param caPem the Secret's {@code ca.crt}, for clients (null: none, a publicly trusted certificate)
 * @param summary what it is, for the TLS condition: subject, expiry, and which client Service names it covers
 * @param notAfter when it expires (null when it could not be read)
 */
public record ServerCertificate(String secretName, String problem, String caPem, String summary, Instant notAfter) {

    public static final String CERT = "tls.crt";
    public static final String KEY = "tls.key";
    public static final String CA = "ca.crt";

    /** The Secret the spec names; null when the client ports show the operator's certificate. */
    public static String secretNameOf(KVCluster cluster) {
        var tls = cluster.getSpec().getTls();
        String name = tls == null ? null : tls.getServerSecret();
        return name == null || name.isBlank() ? null : name;
    }

    /** The type the Secret must have: what cert-manager and {@code kubectl create secret tls} make. */
    public static final String TYPE = "kubernetes.io/tls";

    /** A Secret that could not be read (the API server refused, or did not answer): judged as not good. */
    public static ServerCertificate unreadable(String secretName, String why) {
        return bad(secretName, "Secret " + secretName + " could not be read: " + why);
    }

    /**
     * @param type the Secret's type; only {@value #TYPE} is taken, so that a KVCluster cannot make the stores
     *     show (and its ConfigMap publish the CA of) whatever other Secret of the namespace holds a key pair
     * @param data the Secret's keys, decoded; null when there is no such Secret
     */
    public static ServerCertificate judge(String secretName, String type, Map<String, String> data, KVCluster cluster,
                                          Instant now) {
        String namespace = cluster.getMetadata().getNamespace();
        String where = "Secret " + secretName;
        if (data == null) {
            return bad(secretName, where + " not found in namespace " + namespace + " (spec.tls.serverSecret; with "
                    + "cert-manager, the secretName of its Certificate)");
        }
        if (!TYPE.equals(type)) {
            return bad(secretName, where + " is of type " + type + ", not " + TYPE + " (kubectl create secret tls and "
                    + "cert-manager make that type)");
        }
        if (data.get(CERT) == null || data.get(KEY) == null) {
            return bad(secretName, where + " has no " + CERT + " and " + KEY + " (a kubernetes.io/tls Secret has both)");
        }
        X509Certificate leaf;
        PrivateKey key;
        try {
            leaf = CertificateAuthority.Pem.certificate(data.get(CERT));
            key = CertificateAuthority.Pem.privateKey(data.get(KEY));
        } catch (RuntimeException e) {
            return bad(secretName, where + ": " + e.getMessage());
        }
        if (!"EC".equals(key.getAlgorithm()) && !"RSA".equals(key.getAlgorithm())) {
            return bad(secretName, where + ": " + KEY + " is an " + key.getAlgorithm() + " key; the stores take RSA or "
                    + "ECDSA keys (cert-manager: spec.privateKey.algorithm)");
        }
        if (!CertificateAuthority.Pem.keyBelongsTo(leaf, key)) {
            return bad(secretName, where + ": " + KEY + " is not the key of " + CERT);
        }
        if (!now.isBefore(leaf.getNotAfter().toInstant())) {
            // its expiry still reported (status.certificates, the expiry alert): it is the one in the Secret
            return new ServerCertificate(secretName, where + ": the certificate expired at "
                    + leaf.getNotAfter().toInstant(), null, null, leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return bad(secretName, where + ": the certificate is valid from " + leaf.getNotBefore().toInstant() + " only");
        }
        String caPem = data.get(CA);
        if (caPem != null && !caPem.isBlank()) {
            try {
                if (CertificateAuthority.Pem.certificates(caPem).isEmpty()) {
                    return bad(secretName, where + ": " + CA + " holds no certificate");
                }
            } catch (RuntimeException e) {
                return bad(secretName, where + ": " + CA + ": " + e.getMessage());
            }
        } else {
            caPem = null;
        }
        List<String> covered = coveredServiceNames(leaf, cluster);
        String pods = "*." + KvNames.headless(cluster.getMetadata().getName()) + "." + namespace + ".svc";
        Set<String> names = ClusterCertificates.namesOf(leaf);
        int replicas = cluster.getSpec().getReplicas() == null ? 3 : cluster.getSpec().getReplicas();
        // by a wildcard, or each pod by its own name
        boolean podsCovered = java.util.stream.IntStream.range(0, replicas).mapToObj(i ->
                        KvNames.pod(cluster.getMetadata().getName(), i) + pods.substring(1))
                .allMatch(host -> names.stream().anyMatch(pattern -> matches(pattern, host)));
        String summary = where + " (" + leaf.getSubjectX500Principal().getName() + ", valid until "
                + leaf.getNotAfter().toInstant() + ", "
                + (covered.isEmpty() ? "naming none of the client Services: clients must reach the stores by a name it has"
                        : "covering " + String.join(", ", covered))
                + (podsCovered ? " and the pods' names" : "; not " + pods + ", the pods' names, which a secondary's HTTP "
                        + "redirect to the primary uses") + ")";
        return new ServerCertificate(secretName, null, caPem, summary, leaf.getNotAfter().toInstant());
    }

    public boolean good() {
        return problem == null;
    }

    private static ServerCertificate bad(String secretName, String problem) {
        return new ServerCertificate(secretName, problem, null, null, null);
    }

    /** The client Services' in-cluster names ({@code <svc>.<namespace>.svc}) the certificate covers. */
    static List<String> coveredServiceNames(X509Certificate leaf, KVCluster cluster) {
        String name = cluster.getMetadata().getName();
        String namespace = cluster.getMetadata().getNamespace();
        Set<String> names = ClusterCertificates.namesOf(leaf);
        List<String> covered = new ArrayList<>();
        for (String service : List.of(KvNames.readWrite(name), KvNames.readOnly(name), KvNames.anyReady(name))) {
            String host = service + "." + namespace + ".svc";
            if (names.stream().anyMatch(pattern -> matches(pattern, host))) {
                covered.add(host);
            }
        }
        return covered;
    }

    /** RFC 6125 matching: exact, or a wildcard for the leftmost label alone. */
    static boolean matches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(p.substring(1));
        }
        return p.equals(h);
    }
}
