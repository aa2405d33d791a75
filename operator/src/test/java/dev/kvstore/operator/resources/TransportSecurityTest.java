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
    void withTlsTheHttpPortIsProbedAndAdvertisedAsHttpsAndWithoutAsHttp() {
        var withTls = ClusterResources.statefulSet(cluster(null), 3, true, true).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertThat(withTls.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(withTls.getLivenessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        assertThat(withTls.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("KV_ADVERTISED_HTTP");
            assertThat(env.getValue()).isEqualTo("https://$(POD_IP):8080");
        });

        var plain = ClusterResources.statefulSet(cluster(false), 3, true, false).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertThat(plain.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(plain.getLivenessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        assertThat(plain.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("KV_ADVERTISED_HTTP");
            assertThat(env.getValue()).isEqualTo("http://$(POD_IP):8080");
        });
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
