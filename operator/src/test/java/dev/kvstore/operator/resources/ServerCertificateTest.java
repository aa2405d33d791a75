package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The user's certificate for the client ports (spec.tls.serverSecret): which Secrets the stores may show,
 * what the StatefulSet mounts for it, and what clients are given to trust.
 */
class ServerCertificateTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private final CertificateAuthority users = CertificateAuthority.create("users-ca", NOW.minus(Duration.ofDays(1)),
            Duration.ofDays(3650));
    private final KVCluster kv = cluster("web-tls");

    private static KVCluster cluster(String serverSecret) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        KVClusterSpec spec = new KVClusterSpec();
        KVClusterSpec.Tls tls = new KVClusterSpec.Tls();
        tls.setServerSecret(serverSecret);
        spec.setTls(tls);
        cluster.setSpec(spec);
        return cluster;
    }

    private Map<String, String> secret(List<String> names, Instant from, Duration validity) {
        CertificateAuthority.Issued issued = users.issue("kv.example.com", names, List.of(), from, validity);
        Map<String, String> data = new HashMap<>();
        data.put("tls.crt", issued.certificatePem());
        data.put("tls.key", issued.keyPem());
        data.put("ca.crt", users.certificatePem());
        return data;
    }

    @Test
    void aGoodPairIsShownAndSaysWhichClientServicesItCoversWildcardsIncluded() {
        ServerCertificate judged = ServerCertificate.judge("web-tls", "kubernetes.io/tls",
                secret(List.of("kv-rw.apps.svc", "*.apps.svc"), NOW, Duration.ofDays(90)), kv, NOW);

        assertThat(judged.good()).isTrue();
        assertThat(judged.caPem()).isEqualTo(users.certificatePem());
        assertThat(judged.summary()).contains("CN=kv.example.com").contains("kv-rw.apps.svc, kv-ro.apps.svc, kv-r.apps.svc")
                .contains("not *.kv-headless.apps.svc, the pods' names");

        ServerCertificate withPods = ServerCertificate.judge("web-tls", "kubernetes.io/tls",
                secret(List.of("kv-rw.apps.svc", "*.kv-headless.apps.svc"), NOW, Duration.ofDays(90)), kv, NOW);
        assertThat(withPods.summary()).contains("covering kv-rw.apps.svc and the pods' names");
    }

    @Test
    void aCertificateForAnotherNameAloneIsShownAndTheConditionSaysItNamesNoClientService() {
        ServerCertificate judged = ServerCertificate.judge("web-tls", "kubernetes.io/tls", secret(List.of("kv.example.com"), NOW, Duration.ofDays(90)),
                kv, NOW);

        assertThat(judged.good()).isTrue();
        assertThat(judged.summary()).contains("naming none of the client Services");
    }

    @Test
    void aMissingSecretIncompleteOnesAForeignKeyAndAnExpiredCertificateAreRefusedWithTheReason() {
        assertThat(ServerCertificate.judge("web-tls", "kubernetes.io/tls", null, kv, NOW).problem())
                .isEqualTo("Secret web-tls not found in namespace apps (spec.tls.serverSecret; with cert-manager, the "
                        + "secretName of its Certificate)");
        Map<String, String> noKey = secret(List.of("kv-rw.apps.svc"), NOW, Duration.ofDays(90));
        noKey.remove("tls.key");
        assertThat(ServerCertificate.judge("web-tls", "kubernetes.io/tls", noKey, kv, NOW).problem()).contains("has no tls.crt and tls.key");

        Map<String, String> foreignKey = secret(List.of("kv-rw.apps.svc"), NOW, Duration.ofDays(90));
        foreignKey.put("tls.key", users.issue("other", List.of(), List.of(), NOW, Duration.ofDays(9)).keyPem());
        assertThat(ServerCertificate.judge("web-tls", "kubernetes.io/tls", foreignKey, kv, NOW).problem())
                .isEqualTo("Secret web-tls: tls.key is not the key of tls.crt");

        Map<String, String> expired = secret(List.of("kv-rw.apps.svc"), NOW.minus(Duration.ofDays(10)), Duration.ofDays(9));
        assertThat(ServerCertificate.judge("web-tls", "kubernetes.io/tls", expired, kv, NOW).problem()).contains("the certificate expired at");

        assertThat(ServerCertificate.judge("web-tls", "Opaque", secret(List.of("kv-rw.apps.svc"), NOW, Duration.ofDays(90)),
                kv, NOW).problem()).isEqualTo("Secret web-tls is of type Opaque, not kubernetes.io/tls (kubectl create "
                + "secret tls and cert-manager make that type)");

        Map<String, String> garbled = secret(List.of("kv-rw.apps.svc"), NOW, Duration.ofDays(90));
        garbled.put("tls.crt", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        assertThat(ServerCertificate.judge("web-tls", "kubernetes.io/tls", garbled, kv, NOW).good()).isFalse();
    }

    @Test
    void withoutCaCrtNothingIsAddedForClientsAndTheBundleIsTheClustersCaAlone() {
        Map<String, String> publicOne = secret(List.of("kv-rw.apps.svc"), NOW, Duration.ofDays(90));
        publicOne.remove("ca.crt");
        ServerCertificate judged = ServerCertificate.judge("web-tls", "kubernetes.io/tls", publicOne, kv, NOW);
        assertThat(judged.good()).isTrue();
        assertThat(judged.caPem()).isNull();

        CertificateAuthority cluster = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
        assertThat(ClusterCertificates.caBundle(cluster, List.of())).isEqualTo(cluster.certificatePem());
        String bundle = ClusterCertificates.caBundle(cluster, List.of(users.certificatePem()));
        assertThat(CertificateAuthority.Pem.certificates(bundle)).containsExactly(
                CertificateAuthority.Pem.certificate(cluster.certificatePem()), CertificateAuthority.Pem.certificate(users.certificatePem()));
    }

    @Test
    void whileASecretTheStoresMayShowCannotBeReadThePublishedCasStayAndTheOnesReadAreAdded() {
        CertificateAuthority cluster = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
        CertificateAuthority next = CertificateAuthority.create("next-ca", NOW, Duration.ofDays(3650));
        String published = ClusterCertificates.caBundle(cluster, List.of(users.certificatePem()));

        String kept = ClusterCertificates.caBundleToPublish(cluster, published, List.of(), false);
        assertThat(kept).as("nothing read: kept as it is").isEqualTo(published);
        String added = ClusterCertificates.caBundleToPublish(cluster, published, List.of(next.certificatePem()), false);
        assertThat(CertificateAuthority.Pem.certificates(added)).containsExactly(
                CertificateAuthority.Pem.certificate(cluster.certificatePem()),
                CertificateAuthority.Pem.certificate(users.certificatePem()),
                CertificateAuthority.Pem.certificate(next.certificatePem()));
        assertThat(ClusterCertificates.caBundleToPublish(cluster, added, List.of(next.certificatePem()), false))
                .as("the next pass writes nothing").isEqualTo(added);
        assertThat(ClusterCertificates.caBundleToPublish(cluster, added, List.of(next.certificatePem()), true))
                .as("all read again: exactly what is shown").isEqualTo(ClusterCertificates.caBundle(cluster,
                        List.of(next.certificatePem())));
        assertThat(ClusterCertificates.caBundleToPublish(cluster, "someone else's", List.of(), false))
                .as("a bundle without the cluster's CA first is made anew").isEqualTo(cluster.certificatePem());
    }

    @Test
    void aCertificateNamingEachPodCoversThePodsAsAWildcardDoes() {
        ServerCertificate judged = ServerCertificate.judge("web-tls", "kubernetes.io/tls", secret(List.of("kv-rw.apps.svc",
                "kv-0.kv-headless.apps.svc", "kv-1.kv-headless.apps.svc", "kv-2.kv-headless.apps.svc"), NOW,
                Duration.ofDays(90)), kv, NOW);
        assertThat(judged.summary()).contains("and the pods' names");
    }

    @Test
    void theStatefulSetMountsTheUsersCertificateAndKeyForTheClientPortsBesideTheClustersOwn() {
        StatefulSet statefulSet = ClusterResources.statefulSet(kv, 3, true,
                new TransportSecurity.Template(true, true, false, "web-tls"));

        var pod = statefulSet.getSpec().getTemplate().getSpec();
        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals("client-tls")).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("web-tls");
        assertThat(volume.getSecret().getItems()).extracting(item -> item.getKey() + "->" + item.getPath())
                .containsExactly("tls.crt->tls.crt", "tls.key->tls.key");
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getName()).isEqualTo("tls"));
        var store = pod.getContainers().get(0);
        assertThat(store.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("KV_TLS_CLIENT_DIR");
            assertThat(e.getValue()).isEqualTo("/etc/kvstore/client-tls");
        });
        assertThat(store.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("client-tls");
            assertThat(m.getMountPath()).isEqualTo("/etc/kvstore/client-tls");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(TransportSecurity.templateServerSecret(statefulSet)).isEqualTo("web-tls");
    }

    @Test
    void withoutTlsOrWithoutTheSecretNamedNothingIsMounted() {
        for (TransportSecurity.Template template : List.of(new TransportSecurity.Template(false, false, false, "web-tls"),
                new TransportSecurity.Template(true, true, false, null))) {
            StatefulSet statefulSet = ClusterResources.statefulSet(kv, 3, true, template);
            var pod = statefulSet.getSpec().getTemplate().getSpec();
            assertThat(pod.getVolumes()).noneSatisfy(v -> assertThat(v.getName()).isEqualTo("client-tls"));
            assertThat(pod.getContainers().get(0).getEnv()).noneSatisfy(e -> assertThat(e.getName()).isEqualTo("KV_TLS_CLIENT_DIR"));
            assertThat(TransportSecurity.templateServerSecret(statefulSet)).isNull();
        }
    }
}
