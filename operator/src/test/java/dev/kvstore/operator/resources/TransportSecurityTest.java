package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a cluster's stores speak TLS: by default, but never breaking the clients of a cluster made without it. */
class TransportSecurityTest {

    private static KVCluster cluster(Boolean enabled) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(new KVClusterSpec());
        if (enabled != null) {
            cluster.getSpec().setTls(new KVClusterSpec.Tls());
            cluster.getSpec().getTls().setEnabled(enabled);
        }
        return cluster;
    }

    private static Pod podOf(StatefulSet sts) {
        return new PodBuilder().withNewSpec().withContainers(sts.getSpec().getTemplate().getSpec().getContainers())
                .endSpec().build();
    }

    @Test
    void aNewClusterGetsTlsAndItsStoresMountTheOperatorsCertificate() {
        KVCluster kv = cluster(null);
        TransportSecurity.Decision decision = TransportSecurity.decide(kv, null, List.of());
        assertThat(decision.enabled()).isTrue();
        assertThat(decision.reason()).isEqualTo("OperatorCA");
        assertThat(decision.message()).contains("kv-ca-cert");

        var pod = ClusterResources.statefulSet(kv, 3, true, true).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("KV_TLS_DIR");
            assertThat(env.getValue()).isEqualTo("/etc/kvstore/tls");
        });
        assertThat(pod.getContainers().get(0).getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getMountPath()).isEqualTo("/etc/kvstore/tls");
            assertThat(mount.getReadOnly()).isTrue();
        });
        assertThat(pod.getVolumes()).filteredOn(volume -> volume.getSecret() != null)
                .anySatisfy(volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("kv-tls"));
        assertThat(pod.getVolumes()).noneSatisfy(volume -> assertThat(volume.getSecret() != null
                && "kv-ca".equals(volume.getSecret().getSecretName())).as("the CA's key never reaches a store").isTrue());
    }

    @Test
    void withTlsTheHttpPortIsProbedAndAdvertisedAsHttpsByThePodsNameAndWithoutAsHttp() {
        assertThat(TransportSecurity.decide(cluster(null), null, List.of()).http()).as("a new cluster").isTrue();
        var withTls = ClusterResources.statefulSet(cluster(null), 3, true, true).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertThat(withTls.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(withTls.getLivenessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(env(withTls, "KV_HTTP_TLS")).isEqualTo("true");
        assertThat(env(withTls, "KV_ADVERTISED_HTTP")).as("a name the certificate covers, not the pod IP")
                .isEqualTo("https://$(POD_NAME).kv-headless.apps.svc:8080");

        var plain = ClusterResources.statefulSet(cluster(false), 3, true, false).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertThat(plain.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(plain.getLivenessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(env(plain, "KV_HTTP_TLS")).isNull();
        assertThat(env(plain, "KV_ADVERTISED_HTTP")).isEqualTo("http://$(POD_IP):8080");
    }

    @Test
    void aClusterWhoseStoresRanTlsWithTheHttpPortInClearKeepsThatPortInClearUntilTheSpecSaysTrue() {
        // the template of the release before: TLS on the other ports, no KV_HTTP_TLS (its stores ignore it anyway)
        StatefulSet before = ClusterResources.statefulSet(cluster(null), 3, true,
                new TransportSecurity.Template(true, false, false, null));
        before.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .removeIf(env -> env.getName().equals("KV_HTTP_TLS"));

        TransportSecurity.Decision kept = TransportSecurity.decide(cluster(null), before, List.of(podOf(before)));
        assertThat(kept.enabled()).isTrue();
        assertThat(kept.http()).isFalse();
        assertThat(kept.httpKept()).isTrue();
        assertThat(kept.message()).contains("HTTP port in clear").contains("spec.tls.http: true");
        StatefulSet keptSet = ClusterResources.statefulSet(cluster(null), 3, true,
                new TransportSecurity.Template(true, kept.http(), kept.httpKept(), null));
        var container = keptSet.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(container, "KV_HTTP_TLS")).isEqualTo("false");
        assertThat(container.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(TransportSecurity.decide(cluster(null), keptSet, List.of(podOf(keptSet))).http())
                .as("the next pass, on the StatefulSet this operator wrote").isFalse();
        assertThat(TransportSecurity.decide(cluster(null), null, List.of(podOf(before))).http())
                .as("its StatefulSet deleted with --cascade=orphan, its pods still run").isFalse();

        KVCluster asked = cluster(null);
        asked.getSpec().setTls(new KVClusterSpec.Tls());
        asked.getSpec().getTls().setHttp(true);
        assertThat(TransportSecurity.decide(asked, before, List.of(podOf(before))).http()).isTrue();
        asked.getSpec().getTls().setHttp(false);
        TransportSecurity.Decision off = TransportSecurity.decide(asked, null, List.of());
        assertThat(off.http()).as("false in the spec, even for a new cluster").isFalse();
        assertThat(off.httpKept()).isFalse();
        assertThat(off.message()).contains("spec.tls.http is false");

        // false in the spec, then unset again: on, since nothing was kept from before
        StatefulSet offSet = ClusterResources.statefulSet(asked, 3, true,
                new TransportSecurity.Template(true, off.http(), off.httpKept(), null));
        assertThat(offSet.getMetadata().getAnnotations()).isNullOrEmpty();
        asked.getSpec().getTls().setHttp(null);
        assertThat(TransportSecurity.decide(asked, offSet, List.of(podOf(offSet))).http()).isTrue();
    }

    private static String env(io.fabric8.kubernetes.api.model.Container container, String name) {
        return container.getEnv().stream().filter(env -> env.getName().equals(name)).map(
                io.fabric8.kubernetes.api.model.EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void aClusterWhoseStoresRunWithoutTlsKeepsSoUntilTheSpecSaysTrue() {
        StatefulSet plain = ClusterResources.statefulSet(cluster(false), 3, true, false);

        TransportSecurity.Decision kept = TransportSecurity.decide(cluster(null), plain, List.of());
        assertThat(kept.enabled()).isFalse();
        assertThat(kept.keptOffSinceBefore()).isTrue();
        assertThat(kept.message()).contains("spec.tls.enabled: true");
        assertThat(TransportSecurity.decide(cluster(null), null, List.of(podOf(plain))).enabled())
                .as("its StatefulSet deleted with --cascade=orphan, its plain pods still run").isFalse();

        TransportSecurity.Decision enabling = TransportSecurity.decide(cluster(true), plain, List.of(podOf(plain)));
        assertThat(enabling.enabled()).isTrue();
        assertThat(enabling.inForce()).isFalse();
        assertThat(enabling.reason()).isEqualTo("Enabling");
        StatefulSet withTls = ClusterResources.statefulSet(cluster(true), 3, true, true);
        assertThat(TransportSecurity.decide(cluster(true), withTls, List.of(podOf(withTls))).inForce()).isTrue();
        assertThat(TransportSecurity.runsWithTls(podOf(withTls))).isTrue();
        assertThat(TransportSecurity.runsWithTls(podOf(plain))).isFalse();
    }

    @Test
    void falseInTheSpecTurnsItOffAndTheStoresRunPlain() {
        TransportSecurity.Decision off = TransportSecurity.decide(cluster(false), null, List.of());
        assertThat(off.enabled()).isFalse();
        assertThat(off.reason()).isEqualTo("DisabledInSpec");
        var pod = ClusterResources.statefulSet(cluster(false), 3, true, false).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers().get(0).getEnv()).noneSatisfy(env -> assertThat(env.getName()).isEqualTo("KV_TLS_DIR"));
        assertThat(pod.getVolumes()).noneSatisfy(volume -> assertThat(volume.getName()).isEqualTo("tls"));
    }
}
