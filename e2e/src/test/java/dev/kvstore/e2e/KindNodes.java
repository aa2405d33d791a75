package dev.kvstore.e2e;

import java.util.List;

/**
 * The nodes of a kind cluster as what they are, Docker containers named as the nodes
 * (hack/kind-e2e.sh): lost at once ({@code docker kill}: every process of the node ends, its
 * address stops answering, as with a power cut or a crashed VM) and brought back
 * ({@code docker start}: systemd, containerd and the kubelet start again, the node's volumes as
 * they were), or cut off from the others by a firewall inside it. Only the tests tagged {@value #TAG} use it; hack/e2e.sh's cluster, whose one node
 * is this machine, leaves them out and says so.
 */
final class KindNodes {

    static final String TAG = "kind-nodes";

    private KindNodes() {
    }

    /** Every process of the node ends at once (SIGKILL to its init). */
    static void kill(String node) {
        docker("kill", node);
    }

    static void start(String node) {
        docker("start", node);
    }

    /**
     * Cuts the node off from every other node and from this machine: whatever arrives on its network
     * interface is dropped before routing (the raw table), and whatever would leave through it after
     * routing (mangle), so pods' forwarded traffic is cut as well as the node's own. Pods on the node still
     * reach each other.
     */
    static void isolate(String node) {
        docker("exec", node, "sh", "-euc", "iptables -w -t raw -I PREROUTING 1 -i eth0 -j DROP; "
                + "iptables -w -t mangle -I POSTROUTING 1 -o eth0 -j DROP");
    }

    static void heal(String node) {
        docker("exec", node, "sh", "-euc", "iptables -w -t raw -D PREROUTING -i eth0 -j DROP; "
                + "iptables -w -t mangle -D POSTROUTING -o eth0 -j DROP");
    }

    /**
     * Cuts the pods of the node off from the pods of the other nodes (their pod networks, {@code podCidrs}),
     * both ways, in the same two tables as {@link #isolate}; the node itself still reaches the API server, so
     * its kubelet keeps it Ready and a pod on it keeps its lease.
     */
    static void cutPods(String node, List<String> podCidrs) {
        docker("exec", node, "sh", "-euc", podCidrRules("-I", podCidrs));
    }

    static void healPods(String node, List<String> podCidrs) {
        docker("exec", node, "sh", "-euc", podCidrRules("-D", podCidrs));
    }

    private static String podCidrRules(String action, List<String> podCidrs) {
        StringBuilder rules = new StringBuilder();
        for (String cidr : podCidrs) {
            rules.append("iptables -w -t raw ").append(action).append(" PREROUTING -i eth0 -s ").append(cidr)
                    .append(" -j DROP; iptables -w -t mangle ").append(action).append(" POSTROUTING -o eth0 -d ")
                    .append(cidr).append(" -j DROP; ");
        }
        return rules.toString();
    }

    private static void docker(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Kube.Result result = Kube.run(command, null);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + result.out() + result.err()
                    + " (the node tests need the kind cluster of hack/kind-e2e.sh and Docker on this machine)");
        }
    }
}
