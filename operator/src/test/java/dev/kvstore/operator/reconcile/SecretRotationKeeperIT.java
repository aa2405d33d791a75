package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.ControlPlane;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.SecretRotationPlan;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's writes of a cluster secret rotation, against a real API server: each step goes into the
 * Secret with its annotations, and a Secret changed by someone else between the pass's read and its write
 * is neither overwritten nor a failed pass (the next pass reads it anew).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretRotationKeeperIT {

    private static final String NS = "rotation";

    private ControlPlane controlPlane;
    private KubernetesClient client;

    @BeforeAll
    void start() throws Exception {
        controlPlane = ControlPlane.withCrd();
        client = controlPlane.client;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @AfterAll
    void stop() throws Exception {
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    private KVCluster cluster(String name, String request) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS)
                .withAnnotations(Map.of(SecretRotationPlan.REQUEST, request)).build());
        KVClusterSpec spec = new KVClusterSpec();
        spec.setReplicas(2);
        cluster.setSpec(spec);
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata()
                .withName(KvNames.generatedSecret(name)).endMetadata()
                .withStringData(Map.of(KvNames.SECRET_KEY, "old")).build()).create();
        return cluster;
    }

    private static List<Pod> pods(String name) {
        return List.of(pod(KvNames.pod(name, 0)), pod(KvNames.pod(name, 1)));
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().build();
    }

    private static NodeStatus holding(String pod, ClusterSecrets secrets) {
        return new NodeStatus(pod, "secondary", 1, 1, 10, 10, 10, 0, null, null, true, false, 0, 1, "sync", 1, null,
                0, 0, 0, 0, secrets.fingerprints(), false);
    }

    private Secret secretOf(String name) {
        return client.secrets().inNamespace(NS).withName(KvNames.generatedSecret(name)).get();
    }

    private static ClusterSecrets value(Secret secret) {
        return ClusterSecrets.parse(new String(Base64.getDecoder().decode(secret.getData().get(KvNames.SECRET_KEY)),
                StandardCharsets.UTF_8));
    }

    @Test
    void a_requested_rotation_writes_its_first_step_and_its_state_into_the_secret() {
        KVCluster cluster = cluster("first", "r1");
        Map<String, NodeStatus> statuses = Map.of("first-0", holding("first-0", ClusterSecrets.of("old")),
                "first-1", holding("first-1", ClusterSecrets.of("old")));

        SecretRotationPlan plan = new SecretRotationKeeper(client).advance(cluster, pods("first"), statuses, false);

        Secret secret = secretOf("first");
        assertThat(value(secret).all()).hasSize(2).startsWith("old");
        assertThat(secret.getMetadata().getAnnotations()).containsEntry(SecretRotationPlan.ROTATED_FOR, "r1")
                .containsEntry(SecretRotationPlan.ROTATING_TO, plan.rotatingTo());
        assertThat(ClusterSecrets.fingerprint(value(secret).all().get(1))).isEqualTo(plan.rotatingTo());
    }

    @Test
    void a_secret_changed_between_the_read_and_the_write_is_left_to_the_next_pass_and_not_overwritten() {
        KVCluster cluster = cluster("raced", "r1");
        Map<String, NodeStatus> held = Map.of("raced-0", holding("raced-0", ClusterSecrets.of("old")),
                "raced-1", holding("raced-1", ClusterSecrets.of("old")));
        // the keeper reads the statuses after it read the Secret: someone labels the Secret right then
        Map<String, NodeStatus> statuses = new HashMap<>(held) {
            @Override
            public void forEach(BiConsumer<? super String, ? super NodeStatus> action) {
                client.secrets().inNamespace(NS).withName(KvNames.generatedSecret("raced"))
                        .edit(s -> new SecretBuilder(s).editMetadata().addToLabels("team", "payments").endMetadata().build());
                super.forEach(action);
            }
        };
        SecretRotationKeeper keeper = new SecretRotationKeeper(client);

        SecretRotationPlan plan = keeper.advance(cluster, pods("raced"), statuses, false);

        assertThat(plan).isSameAs(SecretRotationKeeper.CHANGED_UNDER_THIS_PASS);
        Secret secret = secretOf("raced");
        assertThat(value(secret)).isEqualTo(ClusterSecrets.of("old"));
        assertThat(secret.getMetadata().getLabels()).containsEntry("team", "payments");

        SecretRotationPlan next = keeper.advance(cluster, pods("raced"), held, false);
        assertThat(next.write().all()).startsWith("old").hasSize(2);
        assertThat(value(secretOf("raced"))).isEqualTo(next.write());
        assertThat(secretOf("raced").getMetadata().getLabels()).as("the other writer's change stands")
                .containsEntry("team", "payments");
    }
}
