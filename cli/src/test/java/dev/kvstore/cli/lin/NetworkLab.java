package dev.kvstore.cli.lin;

import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores on a network of their own: a network namespace per store, each joined by a veth pair to a
 * bridge in this (the test's) namespace, where the supervisor and the clients run. Faults are
 * iptables rules inside a store's namespace, in a chain of their own (KVFAULT) that {@link #heal}
 * empties: DROP, so that a cut link is silent (a peer sees timeouts, not resets), as in a real
 * partition; and tc tbf for a slow link. Needs root (ip netns, iptables); fails saying so otherwise, never skips.
 */
final class NetworkLab implements AutoCloseable {

    private final String id;
    private final String subnet;
    private final int stores;
    private final List<String> created = new ArrayList<>();
    private final java.util.Set<Integer> slowed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    NetworkLab(int stores) throws IOException, InterruptedException {
        this.stores = stores;
        java.util.Random random = new java.util.Random();
        // names and a /24 no other run on this machine holds (concurrent runs, or leftovers of a killed one)
        String chosenId = null;
        String chosenSubnet = null;
        for (int attempt = 0; attempt < 50 && chosenSubnet == null; attempt++) {
            String candidateId = String.format("%04x", random.nextInt(0x10000));
            String candidateSubnet = "10.231." + (20 + random.nextInt(200));
            if (!succeeds("ip", "link", "show", "kvb" + candidateId)
                    && output("ip", "route", "show", candidateSubnet + ".0/24").isBlank()
                    && !output("ip", "netns", "list").contains("kv" + candidateId + "-")) {
                chosenId = candidateId;
                chosenSubnet = candidateSubnet;
            }
        }
        if (chosenSubnet == null) {
            throw new IOException("no free name and subnet for the test network after 50 tries");
        }
        this.id = chosenId;
        this.subnet = chosenSubnet;
        try {
            run("ip", "link", "add", bridge(), "type", "bridge");
            created.add("bridge");
            run("ip", "addr", "add", hostAddress() + "/24", "dev", bridge());
            run("ip", "link", "set", bridge(), "up");
            // bridged frames cross the host's FORWARD chain when br_netfilter is loaded (Docker's and kube-router's
            // rules live there): let this bridge's own traffic through
            run("iptables", "-w", "-I", "FORWARD", "1", "-i", bridge(), "-o", bridge(), "-j", "ACCEPT");
            created.add("forward");
            for (int i = 0; i < stores; i++) {
                String ns = namespace(i);
                run("ip", "netns", "add", ns);
                created.add("ns" + i);
                run("ip", "link", "add", "kv" + id + "h" + i, "type", "veth", "peer", "name", "kv" + id + "n" + i);
                created.add("veth" + i);
                run("ip", "link", "set", "kv" + id + "n" + i, "netns", ns);
                created.add("moved" + i);
                run("ip", "link", "set", "kv" + id + "h" + i, "master", bridge(), "up");
                run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                run("ip", "netns", "exec", ns, "ip", "addr", "add", address(i) + "/24", "dev", "kv" + id + "n" + i);
                run("ip", "netns", "exec", ns, "ip", "link", "set", "kv" + id + "n" + i, "up");
                run("ip", "netns", "exec", ns, "iptables", "-w", "-N", "KVFAULT");
                run("ip", "netns", "exec", ns, "iptables", "-w", "-I", "INPUT", "-j", "KVFAULT");
                run("ip", "netns", "exec", ns, "iptables", "-w", "-I", "OUTPUT", "-j", "KVFAULT");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw new IOException("could not build the test network (needs root: ip netns, veth, bridge, iptables): "
                    + e.getMessage(), e);
        }
    }

    private String bridge() {
        return "kvb" + id;
    }

    private String namespace(int store) {
        return "kv" + id + "-" + store;
    }

    /** The test's own address on the bridge: where the supervisor's and the clients' connections come from. */
    String hostAddress() {
        return subnet + ".1";
    }

    String address(int store) {
        return subnet + "." + (10 + store);
    }

    NodeProcess.Placement placement(int store) {
        return new NodeProcess.Placement(address(store), List.of("ip", "netns", "exec", namespace(store)));
    }

    /** Silently drops everything between {@code store} and every other store (both ways). */
    void isolate(int store) throws IOException, InterruptedException {
        for (String other : peersOf(store)) {
            fault(store, "-A", "KVFAULT", "-s", other, "-j", "DROP");
            fault(store, "-A", "KVFAULT", "-d", other, "-j", "DROP");
        }
    }

    /** Drops the supervisor's calls to {@code store}'s admin port (the clients' ports stay reachable). */
    void cutFromSupervisor(int store, NodeProcess node) throws IOException, InterruptedException {
        String port = Integer.toString(Integer.parseInt(node.adminUrl().substring(node.adminUrl().lastIndexOf(':') + 1)));
        fault(store, "-A", "KVFAULT", "-p", "tcp", "--dport", port, "-j", "DROP");
        fault(store, "-A", "KVFAULT", "-p", "tcp", "--sport", port, "-j", "DROP");
    }

    /** Drops a share of the packets between {@code store} and every other store, at random. */
    void lossyToPeers(int store, double probability) throws IOException, InterruptedException {
        String p = String.format(java.util.Locale.ROOT, "%.2f", probability);
        for (String other : peersOf(store)) {
            fault(store, "-A", "KVFAULT", "-s", other, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP");
            fault(store, "-A", "KVFAULT", "-d", other, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP");
        }
    }

    /** Drops what {@code store} sends to the other stores, not what it receives from them (a one-way fault). */
    void cutOneWayToPeers(int store) throws IOException, InterruptedException {
        for (String other : peersOf(store)) {
            fault(store, "-A", "KVFAULT", "-d", other, "-j", "DROP");
        }
    }

    private List<String> peersOf(int store) {
        List<String> peers = new ArrayList<>();
        for (int other = 0; other < stores; other++) {
            if (other != store) {
                peers.add(address(other));
            }
        }
        return peers;
    }

    /**
     * Limits {@code store}'s link to {@code kbit} kbit/s both ways (tc tbf on each end of its veth pair;
     * this kernel has no netem for delay): a slow store, whose queues fill and whose round trips grow.
     */
    void slow(int store, int kbit) throws IOException, InterruptedException {
        String rate = kbit + "kbit";
        run("ip", "netns", "exec", namespace(store), "tc", "qdisc", "replace", "dev", "kv" + id + "n" + store, "root",
                "tbf", "rate", rate, "burst", "16kbit", "latency", "500ms");
        run("tc", "qdisc", "replace", "dev", "kv" + id + "h" + store, "root", "tbf", "rate", rate, "burst", "16kbit",
                "latency", "500ms");
        slowed.add(store);
    }

    /** Removes every fault of {@code store}. */
    void heal(int store) throws IOException, InterruptedException {
        fault(store, "-F", "KVFAULT");
        if (slowed.remove(store)) {
            run("ip", "netns", "exec", namespace(store), "tc", "qdisc", "del", "dev", "kv" + id + "n" + store, "root");
            run("tc", "qdisc", "del", "dev", "kv" + id + "h" + store, "root");
        }
    }

    void healAll() throws IOException, InterruptedException {
        for (int i = 0; i < stores; i++) {
            heal(i);
        }
    }

    private void fault(int store, String... rule) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace(store), "iptables", "-w"));
        command.addAll(List.of(rule));
        run(command.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Command result = Command.run(List.of(command), Duration.ofSeconds(30));
        if (result.exitStatus() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + result.output().strip());
        }
    }

    /** What a command prints, whatever its exit status. */
    private static String output(String... command) throws IOException, InterruptedException {
        return Command.run(List.of(command), Duration.ofSeconds(30)).output();
    }

    private static boolean succeeds(String... command) throws IOException, InterruptedException {
        return Command.run(List.of(command), Duration.ofSeconds(30)).exitStatus() == 0;
    }

    @Override
    public void close() throws IOException {
        List<String> failures = new ArrayList<>();
        for (int i = stores - 1; i >= 0; i--) {
            if (created.contains("ns" + i)) {
                quietly(failures, "ip", "netns", "del", namespace(i));
            }
            if (created.contains("veth" + i) && !created.contains("moved" + i)) {
                // a pair goes with its namespace once one end is there; still here when the setup failed before
                quietly(failures, "ip", "link", "del", "kv" + id + "h" + i);
            }
        }
        if (created.contains("forward")) {
            quietly(failures, "iptables", "-w", "-D", "FORWARD", "-i", bridge(), "-o", bridge(), "-j", "ACCEPT");
        }
        if (created.contains("bridge")) {
            quietly(failures, "ip", "link", "del", bridge());
        }
        created.clear();
        if (!failures.isEmpty()) {
            throw new IOException("test network not fully removed: " + failures);
        }
    }

    private static void quietly(List<String> failures, String... command) {
        try {
            run(command);
        } catch (IOException | InterruptedException e) {
            failures.add(e.getMessage());
        }
    }
}
