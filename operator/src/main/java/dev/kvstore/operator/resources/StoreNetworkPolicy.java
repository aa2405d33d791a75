package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Who may reach a cluster's stores, port by port (ingress only; what the stores reach is not limited):
 * <ul>
 *   <li>replication (7400) and admin (7401): the cluster's own pods, and the operator's;</li>
 *   <li>the client ports, HTTP (8080) and Redis (6379): the client pods (labelled
 *       {@code kvstore.dev/client-of=<name>} unless the spec selects others) and every pod of the client
 *       namespaces the spec lists; the operator too (a store of the release before the admin port takes
 *       admin calls on its HTTP port);</li>
 *   <li>metrics (9000): the monitoring namespaces the spec lists.</li>
 * </ul>
 * The kubelet's probes come from the node, which network plugins let through whatever the policy says.
 */
public final class StoreNetworkPolicy {

    /** Set by Kubernetes on every namespace: selects a namespace by its name. */
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private StoreNetworkPolicy() {
    }

    public static NetworkPolicy of(KVCluster cluster, OperatorPods operator) {
        String name = cluster.getMetadata().getName();
        KVClusterSpec.NetworkPolicy spec = cluster.getSpec().getNetworkPolicy() == null
                ? new KVClusterSpec.NetworkPolicy() : cluster.getSpec().getNetworkPolicy();
        List<NetworkPolicyIngressRule> rules = new ArrayList<>();

        List<NetworkPolicyPeer> peers = new ArrayList<>();
        peers.add(new NetworkPolicyPeerBuilder().withPodSelector(selector(KvNames.selector(name))).build());
        NetworkPolicyPeer operatorPeer = operator.known() ? new NetworkPolicyPeerBuilder()
                .withNamespaceSelector(selector(Map.of(NAMESPACE_NAME_LABEL, operator.namespace())))
                .withPodSelector(selector(operator.labels())).build() : null;
        if (operatorPeer != null) {
            peers.add(operatorPeer);
        }
        rules.add(rule(peers, KvNames.REPLICATION_PORT, KvNames.ADMIN_PORT));

        List<NetworkPolicyPeer> clients = new ArrayList<>();
        clients.add(new NetworkPolicyPeerBuilder().withPodSelector(spec.getClientPods() != null ? spec.getClientPods()
                : selector(Map.of(KvNames.CLIENT_OF_LABEL, name))).build());
        if (notEmpty(spec.getClientNamespaces())) {
            clients.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(namespaces(spec.getClientNamespaces()))
                    .build());
        }
        if (operatorPeer != null) {
            clients.add(operatorPeer);
        }
        rules.add(rule(clients, KvNames.HTTP_PORT, KvNames.REDIS_PORT));

        if (notEmpty(spec.getMonitoringNamespaces())) {
            rules.add(rule(List.of(new NetworkPolicyPeerBuilder()
                    .withNamespaceSelector(namespaces(spec.getMonitoringNamespaces())).build()), KvNames.MANAGEMENT_PORT));
        }
        return new NetworkPolicyBuilder()
                .withMetadata(ClusterResources.metadata(cluster, KvNames.networkPolicy(name)))
                .withNewSpec()
                .withPodSelector(selector(KvNames.selector(name)))
                .withPolicyTypes("Ingress")
                .withIngress(rules)
                .endSpec()
                .build();
    }

    private static NetworkPolicyIngressRule rule(List<NetworkPolicyPeer> from, int... ports) {
        List<NetworkPolicyPort> tcp = new ArrayList<>();
        for (int port : ports) {
            tcp.add(new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(port)).build());
        }
        return new NetworkPolicyIngressRuleBuilder().withFrom(from).withPorts(tcp).build();
    }

    private static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels).build();
    }

    private static LabelSelector namespaces(List<String> names) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(NAMESPACE_NAME_LABEL).withOperator("In")
                .withValues(names).endMatchExpression().build();
    }

    private static boolean notEmpty(List<String> list) {
        return list != null && !list.isEmpty();
    }
}
