package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who may reach which port of a cluster's stores, as the spec says, before any API server sees it. */
class StoreNetworkPolicyTest {

    private static final OperatorPods OPERATOR = OperatorPods.of("kv-system",
            "app.kubernetes.io/name=kvcluster-operator,app.kubernetes.io/instance=kvo");

    private static KVCluster cluster(KVClusterSpec spec) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(spec);
        return cluster;
    }

    private static List<Integer> ports(NetworkPolicyIngressRule rule) {
        return rule.getPorts().stream().map(port -> {
            assertThat(port.getProtocol()).isEqualTo("TCP");
            return port.getPort().getIntVal();
        }).toList();
    }

    private static NetworkPolicyIngressRule ruleFor(NetworkPolicy policy, int port) {
        return policy.getSpec().getIngress().stream().filter(rule -> ports(rule).contains(port)).findFirst()
                .orElseThrow(() -> new AssertionError("no rule opens port " + port));
    }

    private static NetworkPolicyPeer operatorPeer() {
        NetworkPolicyPeer peer = new NetworkPolicyPeer();
        peer.setNamespaceSelector(new LabelSelectorBuilder()
                .withMatchLabels(Map.of("kubernetes.io/metadata.name", "kv-system")).build());
        peer.setPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app.kubernetes.io/name",
                "kvcluster-operator", "app.kubernetes.io/instance", "kvo")).build());
        return peer;
    }

    @Test
    void replicationAndAdminAreOpenToTheClustersOwnPodsAndTheOperatorOnly() {
        NetworkPolicy policy = StoreNetworkPolicy.of(cluster(new KVClusterSpec()), OPERATOR);

        assertThat(policy.getMetadata().getName()).isEqualTo("kv-network-policy");
        assertThat(policy.getMetadata().getOwnerReferences()).extracting("name").containsExactly("kv");
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isEqualTo(KvNames.selector("kv"));
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        NetworkPolicyIngressRule internal = ruleFor(policy, 7401);
        assertThat(ports(internal)).containsExactly(7400, 7401);
        assertThat(internal.getFrom()).hasSize(2);
        assertThat(internal.getFrom().get(0).getPodSelector().getMatchLabels()).isEqualTo(KvNames.selector("kv"));
        assertThat(internal.getFrom().get(0).getNamespaceSelector()).as("the cluster's own namespace only").isNull();
        assertThat(internal.getFrom().get(1)).isEqualTo(operatorPeer());
    }

    @Test
    void clientPortsAreOpenToLabelledPodsByDefaultAndMetricsToNobody() {
        NetworkPolicy policy = StoreNetworkPolicy.of(cluster(new KVClusterSpec()), OPERATOR);

        NetworkPolicyIngressRule clients = ruleFor(policy, 6379);
        assertThat(ports(clients)).containsExactly(8080, 6379);
        assertThat(clients.getFrom().get(0).getPodSelector().getMatchLabels())
                .isEqualTo(Map.of("kvstore.dev/client-of", "kv"));
        assertThat(clients.getFrom().get(0).getNamespaceSelector()).isNull();
        assertThat(clients.getFrom()).as("the operator reads status, and older stores' admin API, there")
                .contains(operatorPeer());
        assertThat(policy.getSpec().getIngress()).as("no rule opens the metrics port")
                .noneSatisfy(rule -> assertThat(ports(rule)).contains(9000));
    }

    @Test
    void clientAndMonitoringNamespacesAndAChosenClientSelectorAreLetIn() {
        KVClusterSpec spec = new KVClusterSpec();
        spec.setNetworkPolicy(new KVClusterSpec.NetworkPolicy());
        spec.getNetworkPolicy().setClientNamespaces(List.of("web", "jobs"));
        spec.getNetworkPolicy().setMonitoringNamespaces(List.of("monitoring"));
        spec.getNetworkPolicy().setClientPods(new LabelSelectorBuilder().withMatchLabels(Map.of("tier", "api")).build());
        NetworkPolicy policy = StoreNetworkPolicy.of(cluster(spec), OPERATOR);

        NetworkPolicyIngressRule clients = ruleFor(policy, 8080);
        assertThat(clients.getFrom().get(0).getPodSelector().getMatchLabels()).isEqualTo(Map.of("tier", "api"));
        assertThat(clients.getFrom().get(1).getPodSelector()).as("every pod of those namespaces").isNull();
        assertThat(clients.getFrom().get(1).getNamespaceSelector().getMatchExpressions()).singleElement()
                .satisfies(e -> {
                    assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
                    assertThat(e.getOperator()).isEqualTo("In");
                    assertThat(e.getValues()).containsExactly("web", "jobs");
                });
        NetworkPolicyIngressRule metrics = ruleFor(policy, 9000);
        assertThat(ports(metrics)).containsExactly(9000);
        assertThat(metrics.getFrom()).singleElement().satisfies(from -> assertThat(from.getNamespaceSelector()
                .getMatchExpressions().get(0).getValues()).containsExactly("monitoring"));
    }

    @Test
    void anOperatorOutsideAPodGetsNoRuleAndTheClusterStillKeepsItsOwn() {
        // (NetworkAccess keeps no policy at all then; this is what one would say)
        NetworkPolicy policy = StoreNetworkPolicy.of(cluster(new KVClusterSpec()), OperatorPods.unknown());

        assertThat(ruleFor(policy, 7401).getFrom()).singleElement()
                .satisfies(from -> assertThat(from.getPodSelector().getMatchLabels()).isEqualTo(KvNames.selector("kv")));
        assertThat(ruleFor(policy, 8080).getFrom()).hasSize(1);
    }

    @Test
    void aMalformedOperatorSelectorIsRefusedAtStart() {
        assertThatThrownBy(() -> OperatorPods.of("kv-system", "app.kubernetes.io/name"))
                .hasMessageContaining("key=value");
        assertThat(OperatorPods.of(null, "a=b").known()).isFalse();
        assertThat(OperatorPods.of("kv-system", "").known()).isFalse();
    }
}
