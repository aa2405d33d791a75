package dev.kvstore.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The chart lints and renders what the operator needs: two replicas with leader election, least-privilege RBAC. */
class HelmChartTest {

    @SuppressWarnings("unchecked")
    private static List<HasMetadata> render(String... sets) throws Exception {
        String yaml = Tools.helmTemplate("kv-system", sets);
        Object parsed = Serialization.unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
        return parsed instanceof List<?> list ? (List<HasMetadata>) list : List.of((HasMetadata) parsed);
    }

    @Test
    void helm_lint_passes() throws Exception {
        String out = Tools.run(List.of(Tools.bin().resolve("helm").toString(), "lint",
                Tools.root().resolve("helm/kvcluster-operator").toString()));
        assertThat(out).contains("0 chart(s) failed");
    }

    @Test
    void by_default_two_replicas_elect_a_leader_and_watch_all_namespaces() throws Exception {
        List<HasMetadata> objects = render();
        Deployment deployment = objects.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast)
                .findFirst().orElseThrow();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("KV_OPERATOR_LEASE_NAMESPACE"));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(objects).anySatisfy(o -> assertThat(o).isInstanceOf(ClusterRole.class));
        assertThat(objects).noneSatisfy(o -> assertThat(o.getKind()).isEqualTo("KVCluster"));
    }

    @Test
    void rbac_grants_no_wildcards_and_no_secret_listing() throws Exception {
        List<PolicyRule> rules = render().stream().flatMap(o -> o instanceof ClusterRole c ? c.getRules().stream()
                : o instanceof Role r ? r.getRules().stream() : Stream.empty()).toList();
        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*");
            assertThat(rule.getApiGroups()).doesNotContain("*");
        });
        assertThat(rules).filteredOn(r -> r.getResources().contains("secrets"))
                // patch: the stores' certificate renewed in place; never list or watch: no Secret but the cluster's own
                .allSatisfy(r -> assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "create", "patch"));
    }

    @Test
    void watched_namespaces_get_roles_instead_of_a_cluster_role_and_the_sample_cluster_is_optional() throws Exception {
        List<HasMetadata> objects = render("watchNamespaces={team-a,team-b}", "sampleCluster.enabled=true");
        // nodes and StorageClasses are cluster-wide: reading them by name (to switch over before a drain; whether a
        // cluster's volume claims may grow) is the one cluster role
        assertThat(objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .flatMap(c -> c.getRules().stream())).satisfiesExactly(rule -> {
                    assertThat(rule.getResources()).containsExactly("nodes");
                    assertThat(rule.getVerbs()).containsExactly("get");
                }, rule -> {
                    assertThat(rule.getResources()).containsExactly("storageclasses");
                    assertThat(rule.getVerbs()).containsExactly("get");
                });
        assertThat(objects.stream().filter(o -> o instanceof Role && o.getMetadata().getName().equals("kvcluster-operator"))
                .map(o -> o.getMetadata().getNamespace())).containsExactlyInAnyOrder("team-a", "team-b");
        assertThat(objects).anySatisfy(o -> assertThat(o.getKind()).isEqualTo("KVCluster"));
    }
}
