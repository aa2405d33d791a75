package dev.kvstore.operator.resources;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The certificates of a cluster with TLS, as plain functions: what the CA Secret, the stores' TLS
 * Secret and the CA ConfigMap hold, which names the stores' certificate covers, and when it is due
 * for renewal. {@code CertificateKeeper} does the reading and writing.
 */
public final class ClusterCertificates {

    public static final String CA_CERT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String TLS_CERT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    /** A CA outlives many store certificates; replacing it is a rotation of its own ({@link CaRotationPlan}). */
    public static final Duration CA_VALIDITY = Duration.ofDays(3650);

    private ClusterCertificates() {
    }

    /**
     * Every name a client or a peer may reach a store by: the client Services in each DNS form, every pod
     * through the headless Service, and localhost (a probe or a tool inside the pod). One certificate for
     * all the stores, as they are one service: a peer is known by the CA, not by its name.
     */
    public static List<String> dnsNames(KVCluster cluster) {
        String name = cluster.getMetadata().getName();
        String namespace = cluster.getMetadata().getNamespace();
        List<String> names = new ArrayList<>();
        for (String service : List.of(KvNames.readWrite(name), KvNames.readOnly(name), KvNames.anyReady(name))) {
            names.add(service);
            names.add(service + "." + namespace);
            names.add(service + "." + namespace + ".svc");
            names.add(service + "." + namespace + ".svc.cluster.local");
        }
        names.add("*." + KvNames.headless(name) + "." + namespace + ".svc");
        names.add("*." + KvNames.headless(name) + "." + namespace + ".svc.cluster.local");
        names.add("localhost");
        return names;
    }

    /**
     * The stores' common name: {@code <name>.<namespace>}. It has a dot, which a Kubernetes name of one
     * label cannot have, so no cluster (not even one named kvstore-operator) gets a certificate the admin
     * ports take for the operator's ({@link KvNames#ADMIN_CLIENT}).
     */
    public static String storeCommonName(KVCluster cluster) {
        return cluster.getMetadata().getName() + "." + cluster.getMetadata().getNamespace();
    }

    public static List<String> ipAddresses() {
        return List.of("127.0.0.1");
    }

    public static Duration validity(KVCluster cluster) {
        KVClusterSpec.Tls tls = cluster.getSpec().getTls();
        int days = tls == null || tls.getCertificateValidityDays() == null ? 90 : tls.getCertificateValidityDays();
        return Duration.ofDays(days);
    }

    /**
     * How long a certificate issued now is valid: the spec's validity, but never past the CA's own
     * expiry (a certificate that outlives its CA is refused by every client from that day on).
     */
    public static Duration validityFrom(KVCluster cluster, CertificateAuthority ca, Instant now) {
        Duration wanted = validity(cluster);
        Duration caLeft = Duration.between(now, ca.notAfter());
        return caLeft.compareTo(wanted) < 0 ? caLeft : wanted;
    }

    /**
     * Why the Secret {@code <name>-ca} cannot serve as the cluster's CA, or null when it can: it is
     * not one the operator made for this cluster (a Secret of that name made before, by a user or
     * cert-manager, is never taken over: whoever made it may hold its key), it lacks the CA, or a key is
     * not its certificate's (the CA's, or that of the CA a rotation goes to). Expiry: {@link #expiryProblem}.
     *
     * @param labels the Secret's labels; {@code data} its decoded values
     */
    public static String caProblem(Map<String, String> labels, Map<String, String> data, KVCluster cluster) {
        String name = cluster.getMetadata().getName();
        String secretName = KvNames.caSecret(name);
        Map<String, String> ours = KvNames.labels(name);
        if (labels == null || !"kv-operator".equals(labels.get("app.kubernetes.io/managed-by"))
                || !name.equals(labels.get(KvNames.CLUSTER_LABEL))) {
            return "Secret " + secretName + " exists and is not one the operator made for this cluster (labels "
                    + labels + ", expected " + ours + "): it is left as it is; rename or delete it, or set "
                    + "spec.tls.enabled: false";
        }
        if (data == null || data.get(CA_CERT) == null || data.get(CA_KEY) == null) {
            return "Secret " + secretName + " has no " + CA_CERT + " and " + CA_KEY + ": the operator keeps the cluster's "
                    + "CA there. Deleting it has a new CA made, which clients must then trust, and the stores refuse one "
                    + "another until each has the new certificate (to replace a CA without that, annotate the KVCluster "
                    + CaRotationPlan.REQUEST + ")";
        }
        String problem = pairProblem(secretName, data, CA_CERT, CA_KEY);
        if (problem != null) {
            return problem;
        }
        if (data.containsKey(CaRotationPlan.NEXT_CERT) || data.containsKey(CaRotationPlan.NEXT_KEY)) {
            problem = pairProblem(secretName, data, CaRotationPlan.NEXT_CERT, CaRotationPlan.NEXT_KEY);
            if (problem != null) {
                return problem + " (the CA a rotation replaces the cluster's by)";
            }
        }
        return null;
    }

    /**
     * Null while the CA that must be valid now is: the one a rotation goes to while one is under way (one begun
     * renewBeforeDays before the old CA's expiry may end after it), else the cluster's CA. Checked at every pass,
     * not only when the Secret changes: a CA expires while its Secret stays the same.
     */
    public static String expiryProblem(CaRotationPlan.CaState state, KVCluster cluster, Instant now) {
        CertificateAuthority needed = state.step() == CaRotationPlan.Step.NONE ? state.current() : state.next();
        if (now.isBefore(needed.notAfter())) {
            return null;
        }
        return "the cluster's CA " + needed.subject() + " in Secret " + KvNames.caSecret(cluster.getMetadata().getName())
                + " expired at " + needed.notAfter() + " (the rotation the operator begins renewBeforeDays before did not "
                + "finish: see the condition " + CaRotationPlan.CONDITION + "). Deleting the Secret has a new CA made, "
                + "which clients must then trust, and the stores refuse one another until each has a certificate of it";
    }

    private static String pairProblem(String secretName, Map<String, String> data, String certificateKey, String keyKey) {
        if (data.get(certificateKey) == null || data.get(keyKey) == null) {
            return "Secret " + secretName + " has " + certificateKey + " without " + keyKey + " or the other way round";
        }
        X509Certificate certificate;
        try {
            certificate = CertificateAuthority.Pem.certificate(data.get(certificateKey));
        } catch (RuntimeException e) {
            return "Secret " + secretName + ": " + certificateKey + " cannot be read (" + e.getMessage() + ")";
        }
        if (!keyMatches(certificate, data.get(keyKey))) {
            return "Secret " + secretName + ": " + keyKey + " is not the key of " + certificateKey
                    + " (every certificate signed with it would fail to verify)";
        }
        return null;
    }

    /** The least time clients get to read a new CA before its first certificate ({@link CaRotationPlan}). */
    public static Duration caRotationGrace(KVCluster cluster) {
        KVClusterSpec.Tls tls = cluster.getSpec().getTls();
        int seconds = tls == null || tls.getCaRotationGraceSeconds() == null ? 180 : tls.getCaRotationGraceSeconds();
        return Duration.ofSeconds(seconds);
    }

    public static Duration renewBefore(KVCluster cluster) {
        KVClusterSpec.Tls tls = cluster.getSpec().getTls();
        int days = tls == null || tls.getRenewBeforeDays() == null ? 7 : tls.getRenewBeforeDays();
        return Duration.ofDays(days);
    }

    /**
     * Why the stores' certificate must be issued anew, or null when it is good: missing, unreadable,
     * not of this CA, within {@code renewBefore} of its expiry, or not covering the names the cluster has now.
     */
    public static String renewalReason(Map<String, String> tlsSecret, CertificateAuthority ca, KVCluster cluster,
                                       Instant now) {
        return renewalReason(tlsSecret, CaInUse.of(ca), cluster, now);
    }

    /**
     * As above while a CA may be rotated: the certificate must be of the CA that signs now, and the Secret's
     * ca.crt the CAs trusted now. Within {@code renewBefore} of its expiry it is issued anew only when that
     * gives it a later expiry: one capped at the expiry of a CA about to be replaced is not issued at every pass.
     */
    public static String renewalReason(Map<String, String> tlsSecret, CaInUse ca, KVCluster cluster, Instant now) {
        if (tlsSecret == null || tlsSecret.get(TLS_CERT) == null || tlsSecret.get(TLS_KEY) == null) {
            return "no certificate yet";
        }
        CertificateAuthority signer = ca.signer();
        X509Certificate certificate;
        try {
            certificate = CertificateAuthority.Pem.certificate(tlsSecret.get(TLS_CERT));
            certificate.verify(CertificateAuthority.Pem.certificate(signer.certificatePem()).getPublicKey());
        } catch (Exception e) {
            return "the certificate is not one of the cluster's CA (" + e.getMessage() + ")";
        }
        if (!ca.trustPem().equals(tlsSecret.get(CA_CERT))) {
            return "the Secret's ca.crt is not the cluster's CA";
        }
        if (!keyMatches(certificate, tlsSecret.get(TLS_KEY))) {
            return "tls.key is not the key of tls.crt";
        }
        if (!certificate.getSubjectX500Principal().getName().equals("CN=" + storeCommonName(cluster))) {
            return "it is for " + certificate.getSubjectX500Principal().getName() + ", not CN=" + storeCommonName(cluster);
        }
        Instant expiry = certificate.getNotAfter().toInstant();
        if (expiry.isAfter(signer.notAfter())) {
            return "it outlives the cluster's CA (" + signer.notAfter() + ")";
        }
        Instant due = expiry.minus(renewBefore(cluster));
        if (!now.isBefore(due) && (!now.isBefore(expiry) || expiry.isBefore(signer.notAfter().minus(Duration.ofMinutes(1))))) {
            return "it expires at " + expiry + ", renewal was due at " + due;
        }
        Set<String> covered = namesOf(certificate);
        Set<String> wanted = new TreeSet<>(dnsNames(cluster));
        wanted.addAll(ipAddresses());
        if (!covered.containsAll(wanted)) {
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(covered);
            return "it does not cover " + missing;
        }
        return null;
    }

    private static boolean keyMatches(X509Certificate certificate, String keyPem) {
        try {
            return CertificateAuthority.Pem.keyBelongsTo(certificate, CertificateAuthority.Pem.privateKey(keyPem));
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    static Set<String> namesOf(X509Certificate certificate) {
        Set<String> names = new TreeSet<>();
        try {
            Collection<List<?>> alternative = certificate.getSubjectAlternativeNames();
            if (alternative != null) {
                alternative.forEach(entry -> names.add(String.valueOf(entry.get(1))));
            }
        } catch (CertificateParsingException e) {
            return Set.of();
        }
        return names;
    }

    public static Secret caSecret(KVCluster cluster, CertificateAuthority ca) {
        return caSecret(cluster, ca, null);
    }

    /** @param rotatedFor the CA rotation request the cluster carries, answered by this new CA (null: none) */
    public static Secret caSecret(KVCluster cluster, CertificateAuthority ca, String rotatedFor) {
        String name = cluster.getMetadata().getName();
        // not owned by the cluster, like the volumes and the users: a cluster made again on the same
        // data keeps the CA its clients trust
        return new SecretBuilder()
                .withNewMetadata().withName(KvNames.caSecret(name)).withNamespace(cluster.getMetadata().getNamespace())
                .withLabels(KvNames.labels(name))
                .withAnnotations(rotatedFor == null ? Map.of() : Map.of(CaRotationPlan.ROTATED_FOR, rotatedFor))
                .endMetadata()
                .withType("Opaque")
                .withStringData(Map.of(CA_CERT, ca.certificatePem(), CA_KEY, ca.keyPem()))
                .build();
    }

    public static Secret tlsSecret(KVCluster cluster, CertificateAuthority ca, CertificateAuthority.Issued issued) {
        return tlsSecret(cluster, CaInUse.of(ca), issued);
    }

    /** The stores' Secret: their certificate (of the CA that signs now) and the CAs they trust now, as ca.crt. */
    public static Secret tlsSecret(KVCluster cluster, CaInUse ca, CertificateAuthority.Issued issued) {
        String name = cluster.getMetadata().getName();
        // owned by the cluster: made again from the CA whenever it is missing
        return new SecretBuilder()
                .withMetadata(ClusterResources.metadata(cluster, KvNames.tlsSecret(name)))
                .withType("kubernetes.io/tls")
                .withData(Map.of(TLS_CERT, base64(issued.certificatePem()), TLS_KEY, base64(issued.keyPem()),
                        CA_CERT, base64(ca.trustPem())))
                .build();
    }

    private static String base64(String text) {
        return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    public static ConfigMap caConfigMap(KVCluster cluster, CertificateAuthority ca) {
        return caConfigMap(cluster, caBundle(ca, List.of()));
    }

    /**
     * What clients trust, in ConfigMap {@code <name>-ca-cert}: the cluster's CA, then the CAs of the
     * certificates of the user's the client ports may show ({@link ServerCertificate#caPem()}).
     */
    public static String caBundle(CertificateAuthority ca, List<String> clientPortCas) {
        return caBundle(ca.certificatePem(), clientPortCas);
    }

    private static String caBundle(String trusted, List<String> clientPortCas) {
        List<String> all = new ArrayList<>();
        all.add(trusted);
        all.addAll(clientPortCas);
        return joinPems(all);
    }

    /** PEM texts one after the other, each beginning on a line of its own. */
    static String joinPems(List<String> pems) {
        StringBuilder joined = new StringBuilder();
        for (String pem : pems) {
            if (!joined.isEmpty() && joined.charAt(joined.length() - 1) != '\n') {
                joined.append('\n');
            }
            joined.append(pem);
        }
        return joined.toString();
    }

    /**
     * The bundle to publish in ConfigMap {@code <name>-ca-cert}, given what it holds now: {@link #caBundle} of
     * the CAs read when every Secret the client ports may show was read ({@code complete}); else what it holds,
     * with the CAs read now added (a CA is never dropped while a Secret that may need it cannot be read). The
     * same inputs give the same bundle, so it is written once, not at every pass.
     */
    public static String caBundleToPublish(CertificateAuthority ca, String published, List<String> clientPortCas,
                                           boolean complete) {
        return caBundleToPublish(CaInUse.of(ca), published, clientPortCas, complete);
    }

    /**
     * As above, with the CAs trusted now first (two while the cluster's CA is rotated). What is kept of the bundle
     * published is what is not a CA of the cluster's own: a rotation's step changes those, and must not drop a
     * CA of the user's that could not be read meanwhile.
     */
    public static String caBundleToPublish(CaInUse ca, String published, List<String> clientPortCas, boolean complete) {
        String trusted = ca.trustPem();
        if (complete || published == null) {
            return caBundle(trusted, clientPortCas);
        }
        List<String> kept = new java.util.ArrayList<>();
        String others;
        if (published.startsWith(trusted)) {
            others = published.substring(trusted.length());
        } else {
            String clusterCa = ca.signer().subject().replaceFirst("-ca(-[0-9-]+)?$", "-ca");
            others = withoutClusterCas(published, clusterCa);
            if (others == null) {
                return caBundle(trusted, clientPortCas); // someone else's writing: made anew
            }
        }
        if (!others.isBlank()) {
            kept.add(others);
        }
        clientPortCas.stream().filter(pem -> !published.contains(pem)).forEach(kept::add);
        return caBundle(trusted, kept);
    }

    /**
     * The bundle without the cluster's own CAs (subject {@code CN=<name>-ca}, or {@code CN=<name>-ca-<made>} for
     * one a rotation made); null when it does not read as certificates.
     */
    private static String withoutClusterCas(String bundle, String clusterCaSubject) {
        java.util.regex.Matcher blocks = java.util.regex.Pattern
                .compile("-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\\s*").matcher(bundle);
        StringBuilder others = new StringBuilder();
        int found = 0;
        while (blocks.find()) {
            found++;
            String block = blocks.group();
            String subject;
            try {
                subject = CertificateAuthority.Pem.certificate(block).getSubjectX500Principal().getName();
            } catch (RuntimeException unreadable) {
                return null;
            }
            if (!subject.equals(clusterCaSubject) && !subject.matches(java.util.regex.Pattern.quote(clusterCaSubject)
                    + "-[0-9]{8}-[0-9]{6}")) {
                others.append(block.strip()).append('\n');
            }
        }
        return found == 0 ? null : others.toString();
    }

    public static ConfigMap caConfigMap(KVCluster cluster, String bundle) {
        String name = cluster.getMetadata().getName();
        return new ConfigMapBuilder()
                .withMetadata(ClusterResources.metadata(cluster, KvNames.caCertificate(name)))
                .withData(Map.of(CA_CERT, bundle))
                .build();
    }
}
