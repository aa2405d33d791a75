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
 * partition; tc tbf for a slow link; and a delay on a store's replication connections (netdelay in its
 * namespace, this kernel having no netem). Needs root (ip netns, iptables); fails saying so otherwise, never skips.
 */
final class NetworkLab implements AutoCloseable {

    private final String id;
    private final String subnet;
    private final int stores;
    private final List<String> created = new ArrayList<>();
    private final java.util.Set<Integer> slowed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The netdelay of each store's namespace, once {@link #routeReplicationThroughDelay}, and its control file. */
    private final List<Process> delayers = new ArrayList<>();
    private final java.util.Set<Integer> delayed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.nio.file.Path delayControl = java.nio.file.Files.createTempDirectory("kv-netdelay");

    /** netdelay's mark on its own connections, which the redirect rules let through (hack/netdelay). */
    private static final String DELAYER_MARK = "0x4b56";
    /** Where a store's netdelay listens for the redirected connections to store N: this plus N, on 127.0.0.1. */
    private static final int DELAYER_PORTS = 41_000;

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

    /**
     * Routes each store's replication connections to the other stores through a netdelay (hack/netdelay)
     * in its own namespace: iptables redirects them to it there, and it connects on to the real target
     * from that namespace (so the store's address, and every DROP rule, still apply). No delay until
     * {@link #delay}. Call before the stores start, so that every connection they make goes through it.
     */
    void routeReplicationThroughDelay(List<NodeProcess> nodes) throws IOException, InterruptedException {
        String binary = System.getenv("KV_NETDELAY");
        if (binary == null || !java.nio.file.Files.isExecutable(java.nio.file.Path.of(binary))) {
            throw new IllegalStateException("netdelay is missing (KV_NETDELAY=" + binary + "): run "
                    + "`export KV_NETDELAY=$(hack/netdelay.sh | tail -n1)` (./test does); it needs Go");
        }
        for (int store = 0; store < stores; store++) {
            String ns = namespace(store);
            List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns, binary, "-control",
                    delayControl.resolve(ns).toString()));
            for (int peer = 0; peer < stores; peer++) {
                if (peer == store) {
                    continue;
                }
                String address = nodes.get(peer).replicationAddress();
                String port = address.substring(address.lastIndexOf(':') + 1);
                String local = Integer.toString(DELAYER_PORTS + peer);
                run("ip", "netns", "exec", ns, "iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d",
                        address(peer), "--dport", port, "-m", "mark", "!", "--mark", DELAYER_MARK, "-j", "REDIRECT",
                        "--to-ports", local);
                command.addAll(List.of("-map", "127.0.0.1:" + local + "=" + address(peer) + ":" + port));
            }
            Process delayer = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            delayers.add(delayer);
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(delayer.getInputStream())).readLine();
            if (!"ready".equals(first)) {
                throw new IOException("netdelay in " + ns + " did not start (said " + first + ")");
            }
        }
    }

    /** Holds everything on {@code store}'s replication connections to its peers for {@code millis}, each way. */
    void delay(int store, int millis) throws IOException {
        if (delayers.isEmpty()) {
            throw new IllegalStateException("no netdelay: routeReplicationThroughDelay first");
        }
        java.nio.file.Files.writeString(delayControl.resolve(namespace(store)), Integer.toString(millis));
        delayed.add(store);
    }

    /** Removes every fault of {@code store}. */
    void heal(int store) throws IOException, InterruptedException {
        fault(store, "-F", "KVFAULT");
        if (delayed.remove(store)) {
            java.nio.file.Files.writeString(delayControl.resolve(namespace(store)), "0");
        }
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
        for (Process delayer : delayers) {
            delayer.destroyForcibly();
        }
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
