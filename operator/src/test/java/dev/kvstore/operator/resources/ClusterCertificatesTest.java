package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which names the stores' certificate covers, and when the operator issues it anew. */
class ClusterCertificatesTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private final KVCluster kv = cluster();
    private final CertificateAuthority ca = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));

    private static KVCluster cluster() {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(new KVClusterSpec());
        return cluster;
    }

    private Map<String, String> secretOf(CertificateAuthority issuer, List<String> names, Instant from, Duration validity) {
        CertificateAuthority.Issued issued = issuer.issue("kv.apps", names, ClusterCertificates.ipAddresses(), from, validity);
        Map<String, String> data = new HashMap<>();
        ClusterCertificates.tlsSecret(kv, issuer, issued).getData()
                .forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII)));
        return data;
    }

    @Test
    void theStoresCertificateCoversEveryServiceInEveryDnsFormAndEveryPodByTheHeadlessService() {
        assertThat(ClusterCertificates.dnsNames(kv)).contains("kv-rw", "kv-rw.apps", "kv-rw.apps.svc",
                "kv-rw.apps.svc.cluster.local", "kv-ro.apps.svc", "kv-r.apps.svc.cluster.local",
                "*.kv-headless.apps.svc", "*.kv-headless.apps.svc.cluster.local", "localhost");
        Map<String, String> good = secretOf(ca, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(90));
        assertThat(ClusterCertificates.renewalReason(good, ca, kv, NOW.plus(Duration.ofDays(82)))).isNull();
        X509Certificate certificate = CertificateAuthority.Pem.certificate(good.get("tls.crt"));
        assertThat(certificate.getSubjectX500Principal().getName()).isEqualTo("CN=kv.apps");
        assertThat(ClusterCertificates.tlsSecret(kv, ca, ca.issue("kv", List.of(), List.of(), NOW, Duration.ofDays(1)))
                .getType()).isEqualTo("kubernetes.io/tls");
    }

    @Test
    void renewedWhenMissingDueOfAnotherCaOrShortOfANameAndNotBefore() {
        Map<String, String> good = secretOf(ca, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(90));

        assertThat(ClusterCertificates.renewalReason(null, ca, kv, NOW)).isEqualTo("no certificate yet");
        assertThat(ClusterCertificates.renewalReason(Map.of("tls.crt", good.get("tls.crt")), ca, kv, NOW))
                .isEqualTo("no certificate yet");
        assertThat(ClusterCertificates.renewalReason(good, ca, kv, NOW.plus(Duration.ofDays(83))))
                .as("7 days before expiry (the default renewBeforeDays)").contains("renewal was due");
        kv.getSpec().setTls(new KVClusterSpec.Tls());
        kv.getSpec().getTls().setRenewBeforeDays(30);
        assertThat(ClusterCertificates.renewalReason(good, ca, kv, NOW.plus(Duration.ofDays(61)))).contains("renewal was due");
        assertThat(ClusterCertificates.renewalReason(good, ca, kv, NOW.plus(Duration.ofDays(59)))).isNull();

        CertificateAuthority other = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
        assertThat(ClusterCertificates.renewalReason(secretOf(other, ClusterCertificates.dnsNames(kv), NOW,
                Duration.ofDays(90)), ca, kv, NOW)).contains("not one of the cluster's CA");
        assertThat(ClusterCertificates.renewalReason(secretOf(ca, List.of("kv-rw"), NOW, Duration.ofDays(90)), ca, kv, NOW))
                .contains("does not cover").contains("kv-ro.apps.svc");
        Map<String, String> otherKey = new HashMap<>(good);
        otherKey.put("tls.key", secretOf(ca, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(90)).get("tls.key"));
        assertThat(ClusterCertificates.renewalReason(otherKey, ca, kv, NOW)).isEqualTo("tls.key is not the key of tls.crt");
        CertificateAuthority.Issued named = ca.issue("kvstore-operator", ClusterCertificates.dnsNames(kv),
                ClusterCertificates.ipAddresses(), NOW, Duration.ofDays(90));
        Map<String, String> otherName = new HashMap<>(good);
        otherName.put("tls.crt", named.certificatePem());
        otherName.put("tls.key", named.keyPem());
        assertThat(ClusterCertificates.renewalReason(otherName, ca, kv, NOW)).contains("not CN=kv.apps");
    }

    @Test
    void theStoresCommonNameHasADotSoNoClusterNamePassesForTheOperator() {
        KVCluster named = cluster();
        named.getMetadata().setName("kvstore-operator");
        assertThat(ClusterCertificates.storeCommonName(named)).isEqualTo("kvstore-operator.apps")
                .isNotEqualTo(KvNames.ADMIN_CLIENT);
    }

    @Test
    void theCaKeyStaysInItsOwnSecretAndClientsGetOnlyItsCertificate() {
        assertThat(ClusterCertificates.caSecret(kv, ca).getMetadata().getName()).isEqualTo("kv-ca");
        assertThat(ClusterCertificates.caSecret(kv, ca).getStringData()).containsKeys("ca.crt", "ca.key");
        assertThat(ClusterCertificates.caSecret(kv, ca).getMetadata().getOwnerReferences())
                .as("kept when the cluster is deleted, like its volumes").isNullOrEmpty();
        assertThat(ClusterCertificates.caConfigMap(kv, ca).getMetadata().getName()).isEqualTo("kv-ca-cert");
        assertThat(ClusterCertificates.caConfigMap(kv, ca).getData()).containsOnlyKeys("ca.crt")
                .containsEntry("ca.crt", ca.certificatePem());
        assertThat(ClusterCertificates.tlsSecret(kv, ca, ca.issue("kv", List.of(), List.of(), NOW, Duration.ofDays(1)))
                .getData()).doesNotContainKey("ca.key");
    }

    @Test
    void aCaSecretIsTakenOnlyWhenTheOperatorMadeItForThisClusterWithAMatchingKeyAndNotExpired() {
        Map<String, String> labels = ClusterCertificates.caSecret(kv, ca).getMetadata().getLabels();
        Map<String, String> data = ClusterCertificates.caSecret(kv, ca).getStringData();
        assertThat(ClusterCertificates.caProblem(labels, data, kv)).isNull();

        assertThat(ClusterCertificates.caProblem(Map.of("app", "cert-manager"), data, kv))
                .as("a Secret of that name made by someone else").contains("not one the operator made for this cluster");
        assertThat(ClusterCertificates.caProblem(null, data, kv)).contains("not one the operator made");
        KVCluster other = cluster();
        other.getMetadata().setName("other");
        assertThat(ClusterCertificates.caProblem(ClusterCertificates.caSecret(other, ca).getMetadata().getLabels(), data,
                kv)).as("another cluster's").contains("not one the operator made");

        assertThat(ClusterCertificates.caProblem(labels, Map.of("ca.crt", ca.certificatePem()), kv)).contains("has no");
        CertificateAuthority another = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
        assertThat(ClusterCertificates.caProblem(labels, Map.of("ca.crt", ca.certificatePem(), "ca.key", another.keyPem()),
                kv)).as("a key that is not the certificate's: every issued certificate would fail to verify")
                .contains("ca.key is not the key of ca.crt");
        assertThat(ClusterCertificates.expiryProblem(new CaRotationPlan.CaState(ca, null, CaRotationPlan.Step.NONE, null,
                null), kv, NOW.plus(Duration.ofDays(3651)))).contains("expired");
    }

    @Test
    void noCertificateOutlivesItsCaAndOneCappedAtAnExpiringCasExpiryIsNotIssuedAtEveryPass() {
        CertificateAuthority shortLived = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(30));
        assertThat(ClusterCertificates.validityFrom(kv, shortLived, NOW)).isEqualTo(Duration.ofDays(30));
        assertThat(ClusterCertificates.validityFrom(kv, ca, NOW)).isEqualTo(Duration.ofDays(90));

        Map<String, String> outliving = secretOf(shortLived, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(90));
        assertThat(ClusterCertificates.renewalReason(outliving, shortLived, kv, NOW)).contains("outlives the cluster's CA");
        Map<String, String> capped = secretOf(shortLived, ClusterCertificates.dnsNames(kv), NOW,
                ClusterCertificates.validityFrom(kv, shortLived, NOW));
        assertThat(ClusterCertificates.renewalReason(capped, shortLived, kv, NOW)).isNull();

        assertThat(ClusterCertificates.renewalReason(capped, shortLived, kv, NOW.plus(Duration.ofDays(23))))
                .as("within renewBeforeDays of an expiry that issuing again cannot move (the CA's): not issued at every "
                        + "pass; the CA is being replaced meanwhile").isNull();
        assertThat(ClusterCertificates.renewalReason(capped, shortLived, kv, NOW.plus(Duration.ofDays(31))))
                .as("expired").contains("renewal was due");
        Map<String, String> shorter = secretOf(shortLived, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(20));
        assertThat(ClusterCertificates.renewalReason(shorter, shortLived, kv, NOW.plus(Duration.ofDays(14))))
                .as("one that issuing again makes last longer").contains("renewal was due");
    }

    @Test
    void whileTheCaIsRotatedTheStoresCertificateIsOfTheCaThatSignsAndTheirCaFileHoldsBothCas() {
        CertificateAuthority next = CertificateAuthority.create("kv-ca-2", NOW, Duration.ofDays(3650));
        CaInUse trusting = new CaInUse(ca, List.of(ca, next));
        CaInUse serving = new CaInUse(next, List.of(ca, next));
        CertificateAuthority.Issued ofOld = ca.issue("kv.apps", ClusterCertificates.dnsNames(kv),
                ClusterCertificates.ipAddresses(), NOW, Duration.ofDays(90));
        Map<String, String> oldWithBoth = decodedTls(ClusterCertificates.tlsSecret(kv, trusting, ofOld));
        assertThat(oldWithBoth.get("ca.crt")).isEqualTo(ca.certificatePem() + next.certificatePem());
        assertThat(ClusterCertificates.renewalReason(oldWithBoth, trusting, kv, NOW)).isNull();
        assertThat(ClusterCertificates.renewalReason(secretOf(ca, ClusterCertificates.dnsNames(kv), NOW,
                Duration.ofDays(90)), trusting, kv, NOW)).as("ca.crt of the old CA alone").contains("ca.crt");
        assertThat(ClusterCertificates.renewalReason(oldWithBoth, serving, kv, NOW))
                .as("the new CA signs now").contains("not one of the cluster's CA");
        assertThat(ClusterCertificates.caBundleToPublish(trusting, ca.certificatePem(), List.of(), false))
                .isEqualTo(ca.certificatePem() + next.certificatePem());
    }

    @Test
    void aRotationsStepsKeepTheCaOfTheUsersCertificateThatCouldNotBeReadMeanwhile() {
        CertificateAuthority next = CertificateAuthority.create("kv-ca-20261206-090000", NOW, Duration.ofDays(3650));
        CertificateAuthority users = CertificateAuthority.create("users-ca", NOW, Duration.ofDays(3650));
        String before = ClusterCertificates.caBundle(ca, List.of(users.certificatePem()));

        String trusting = ClusterCertificates.caBundleToPublish(new CaInUse(ca, List.of(ca, next)), before, List.of(), false);
        assertThat(CertificateAuthority.Pem.certificates(trusting)).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=kv-ca", "CN=kv-ca-20261206-090000", "CN=users-ca");
        String done = ClusterCertificates.caBundleToPublish(CaInUse.of(next), trusting, List.of(), false);
        assertThat(CertificateAuthority.Pem.certificates(done)).extracting(c -> c.getSubjectX500Principal().getName())
                .as("the old cluster CA dropped, the user's kept").containsExactly("CN=kv-ca-20261206-090000", "CN=users-ca");
        assertThat(ClusterCertificates.caBundleToPublish(CaInUse.of(next), trusting, List.of(), true))
                .as("every Secret read: what they give alone").isEqualTo(next.certificatePem());
    }

    @Test
    void whileARotationRunsTheCaItGoesToIsTheOneThatMustNotHaveExpired() {
        CertificateAuthority ending = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));
        CertificateAuthority next = CertificateAuthority.create("kv-ca-2", NOW, Duration.ofDays(3650));
        Instant later = NOW.plus(Duration.ofDays(11));
        assertThat(ClusterCertificates.expiryProblem(new CaRotationPlan.CaState(ending, null, CaRotationPlan.Step.NONE,
                null, null), kv, later)).contains("expired");
        assertThat(ClusterCertificates.expiryProblem(new CaRotationPlan.CaState(ending, next, CaRotationPlan.Step.TRUST,
                null, null), kv, later)).as("a rotation begun before the old CA's expiry ends after it").isNull();
        assertThat(ClusterCertificates.expiryProblem(new CaRotationPlan.CaState(ending, next, CaRotationPlan.Step.SERVE,
                later, null), kv, later)).isNull();
        Map<String, String> labels = ClusterCertificates.caSecret(kv, ending).getMetadata().getLabels();
        Map<String, String> data = new HashMap<>(ClusterCertificates.caSecret(kv, ending).getStringData());
        data.put(CaRotationPlan.NEXT_CERT, next.certificatePem());
        data.put(CaRotationPlan.NEXT_KEY, ending.keyPem());
        assertThat(ClusterCertificates.caProblem(labels, data, kv)).contains("next.key is not the key of next.crt");
    }

    private static Map<String, String> decodedTls(io.fabric8.kubernetes.api.model.Secret secret) {
        Map<String, String> data = new HashMap<>();
        secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.US_ASCII)));
        return data;
    }

    @Test
    void aStoresSecretWhoseCaCertificateIsNotTheClustersIsRenewed() {
        Map<String, String> good = secretOf(ca, ClusterCertificates.dnsNames(kv), NOW, Duration.ofDays(90));
        Map<String, String> otherCaFile = new HashMap<>(good);
        otherCaFile.put("ca.crt", CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650)).certificatePem());
        assertThat(ClusterCertificates.renewalReason(otherCaFile, ca, kv, NOW)).isEqualTo("the Secret's ca.crt is not the cluster's CA");
    }
}
