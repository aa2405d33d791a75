package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

/** The drill's writer pod: a client of the cluster that a restricted namespace admits. */
class DrillPodTest {

    @Test
    void it_is_labelled_as_the_clusters_client_and_meets_the_restricted_standard() {
        Pod pod = DrillPod.of("kv-drill-x", "apps", "kv", "kvstore/store:0.1.0", "kv-drill-x", "0", "kv-users",
                "kv-ca-cert");

        assertThat(pod.getMetadata().getLabels()).containsEntry("kvstore.dev/client-of", "kv");
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var container = pod.getSpec().getContainers().get(0);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    }

    @Test
    void the_password_comes_from_the_users_secret_never_a_literal() {
        Pod pod = DrillPod.of("kv-drill-x", "apps", "kv", "img", "p", "0", "my-users", null);

        var auth = pod.getSpec().getContainers().get(0).getEnv().stream()
                .filter(env -> env.getName().equals("REDISCLI_AUTH")).findFirst().orElseThrow();
        assertThat(auth.getValue()).isNull();
        assertThat(auth.getValueFrom().getSecretKeyRef().getName()).isEqualTo("my-users");
    }

    @Test
    void with_tls_it_trusts_the_clusters_ca_and_without_it_speaks_plain() {
        Pod tls = DrillPod.of("w", "apps", "kv", "img", "p", "0", "kv-users", "kv-ca-cert");
        Pod plain = DrillPod.of("w", "apps", "kv", "img", "p", "0", "kv-users", null);

        assertThat(env(tls, "KV_TLS")).isEqualTo("--tls --cacert /etc/kv-ca/ca.crt");
        assertThat(tls.getSpec().getVolumes().get(0).getConfigMap().getName()).isEqualTo("kv-ca-cert");
        assertThat(env(plain, "KV_TLS")).isEmpty();
        assertThat(plain.getSpec().getVolumes()).isEmpty();
    }

    private static String env(Pod pod, String name) {
        return pod.getSpec().getContainers().get(0).getEnv().stream().filter(env -> env.getName().equals(name))
                .findFirst().orElseThrow().getValue();
    }
}
