package dev.kvstore.cli.lin;

import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.cli.power.LossyDisk;
import dev.kvstore.cli.power.PowerLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Faults on a cluster, one at a time, every kind once per round in a random order (seeded): kill -9
 * or SIGSTOP of the primary or of a secondary, with pause lengths around and well past the failover
 * delay (a primary woken after its successor took over is where stale reads come from); and, when the
 * stores run on a {@link NetworkLab}, partitions (the primary from everyone, from its peers only, a
 * secondary, the supervisor from every store), lossy links, one-way drops, a slow link and delayed
 * replication links (of one secondary, of the primary); and, when
 * the stores' disks are a {@link PowerLab}, the power lost on the primary's or a secondary's machine. After
 * each fault it waits until every store runs again and the cluster is healthy, so that every fault
 * meets a whole cluster.
 */
final class ProcessFaults {

    enum Kind {
        KILL_PRIMARY, PAUSE_PRIMARY_LONG, PAUSE_PRIMARY_SHORT, KILL_SECONDARY, PAUSE_SECONDARY,
        PARTITION_PRIMARY, PARTITION_PRIMARY_FROM_PEERS, PARTITION_SECONDARY, SUPERVISOR_CUT_OFF, LOSSY_PRIMARY_LINKS,
        ONE_WAY_FROM_PRIMARY, SLOW_SECONDARY, DELAYED_SECONDARY, DELAYED_PRIMARY_LINKS, POWER_LOSS_PRIMARY,
        POWER_LOSS_SECONDARY;

        boolean needsNetwork() {
            return ordinal() >= PARTITION_PRIMARY.ordinal() && !needsPower();
        }

        boolean needsPower() {
            return this == POWER_LOSS_PRIMARY || this == POWER_LOSS_SECONDARY;
        }
    }

    private final ClusterFixture fixture;
    private final NetworkLab lab;
    private final PowerLab power;
    private final Random random;
    private final List<Kind> kinds;
    final Map<Kind, Integer> done = new TreeMap<>();
    final List<String> log = new ArrayList<>();

    /** Process faults only (stores on loopback). */
    ProcessFaults(ClusterFixture fixture, long seed) {
        this(fixture, null, null, seed);
    }

    /**
     * Process faults and, with a network lab, network faults too, and with a power lab (the stores' disks),
     * power losses.
     */
    ProcessFaults(ClusterFixture fixture, NetworkLab lab, PowerLab power, long seed) {
        this.fixture = fixture;
        this.lab = lab;
        this.power = power;
        this.random = new Random(seed);
        this.kinds = List.of(Kind.values()).stream().filter(kind -> lab != null || !kind.needsNetwork())
                .filter(kind -> power != null || !kind.needsPower()).toList();
    }

    List<Kind> kinds() {
        return kinds;
    }

    /** Runs faults until {@code until} (System.nanoTime), each after 0.5 to 2 s of calm. */
    void runUntil(long until) throws Exception {
        List<Kind> round = new ArrayList<>();
        while (System.nanoTime() < until) {
            if (round.isEmpty()) {
                round.addAll(kinds);
                java.util.Collections.shuffle(round, random);
            }
            pause(500 + random.nextInt(1_500));
            Kind kind = round.remove(0);
            NodeProcess primary = fixture.primary();
            List<NodeProcess> secondaries = fixture.secondaries();
            NodeProcess secondary = secondaries.get(random.nextInt(secondaries.size()));
            long started = System.nanoTime();
            int delayMillis = 50 + random.nextInt(400);
            String what = switch (kind) {
                case KILL_PRIMARY -> kill(primary);
                case PAUSE_PRIMARY_LONG -> pauseFor(primary, 600 + random.nextInt(1_400));
                case PAUSE_PRIMARY_SHORT -> pauseFor(primary, 50 + random.nextInt(250));
                case KILL_SECONDARY -> kill(secondary);
                case PAUSE_SECONDARY -> pauseFor(secondary, 100 + random.nextInt(1_400));
                case PARTITION_PRIMARY -> partition(primary, true, 300 + random.nextInt(2_200));
                case PARTITION_PRIMARY_FROM_PEERS -> partition(primary, false, 300 + random.nextInt(2_200));
                case PARTITION_SECONDARY -> partition(secondary, true, 300 + random.nextInt(2_200));
                case SUPERVISOR_CUT_OFF -> supervisorCutOff(300 + random.nextInt(2_200));
                case LOSSY_PRIMARY_LINKS -> lossy(primary, 1_000 + random.nextInt(2_000));
                case ONE_WAY_FROM_PRIMARY -> oneWay(primary, 300 + random.nextInt(2_200));
                case SLOW_SECONDARY -> slow(secondary, 1_000 + random.nextInt(2_000));
                case DELAYED_SECONDARY -> whileOnLink(secondary, 1_000 + random.nextInt(2_000),
                        one -> lab.delay(one, delayMillis), secondary.name() + "'s replication delayed " + delayMillis
                                + " ms each way");
                case DELAYED_PRIMARY_LINKS -> delayedPrimaryLinks(secondaries, 1_000 + random.nextInt(2_000), delayMillis);
                case POWER_LOSS_PRIMARY -> powerLoss(primary);
                case POWER_LOSS_SECONDARY -> powerLoss(secondary);
            };
            done.merge(kind, 1, Integer::sum);
            awaitWhole();
            log.add(String.format("%s: %s, whole again after %d ms", kind, what, (System.nanoTime() - started) / 1_000_000));
            System.out.println("[faults] " + log.get(log.size() - 1));
        }
    }

    private static String kill(NodeProcess store) {
        store.kill();
        return "kill -9 " + store.name();
    }

    private static String pauseFor(NodeProcess store, int millis) throws Exception {
        store.signal("STOP");
        try {
            pause(millis);
        } finally {
            store.signal("CONT");
        }
        return "SIGSTOP " + store.name() + " for " + millis + " ms";
    }

    /**
     * {@code store}'s machine loses power: the process dies (kill -9) and its disk loses what was not
     * forced, including directory changes; the supervisor starts it again once the disk is back.
     */
    private String powerLoss(NodeProcess store) throws Exception {
        fixture.cluster.holdDown(store);
        LossyDisk.Cut cut;
        try {
            store.kill();
            cut = power.cut(indexOf(store));
        } finally {
            fixture.cluster.release(store);
        }
        return "power lost on " + store.name() + "'s machine (" + cut.bytes() + " unforced bytes, " + cut.entries()
                + " directory changes lost)";
    }

    private int indexOf(NodeProcess store) {
        return fixture.cluster.nodes().indexOf(store);
    }

    /** {@code store} cut off from the other stores (and from the supervisor when {@code fromSupervisor}). */
    private String partition(NodeProcess store, boolean fromSupervisor, int millis) throws Exception {
        int isolated = indexOf(store);
        try {
            lab.isolate(isolated);
            if (fromSupervisor) {
                lab.cutFromSupervisor(isolated, store);
            }
            pause(millis);
        } finally {
            lab.heal(isolated);
        }
        return store.name() + " cut off from its peers" + (fromSupervisor ? " and the supervisor" : "") + " for "
                + millis + " ms";
    }

    private String supervisorCutOff(int millis) throws Exception {
        try {
            for (int i = 0; i < fixture.cluster.nodes().size(); i++) {
                lab.cutFromSupervisor(i, fixture.cluster.nodes().get(i));
            }
            pause(millis);
        } finally {
            lab.healAll();
        }
        return "the supervisor cut off from every store for " + millis + " ms";
    }

    private String lossy(NodeProcess store, int millis) throws Exception {
        return whileOnLink(store, millis, one -> lab.lossyToPeers(one, 0.3),
                store.name() + "'s links to its peers losing 30% of packets");
    }

    /** What {@code store} sends to its peers is dropped; what they send it arrives. */
    private String oneWay(NodeProcess store, int millis) throws Exception {
        return whileOnLink(store, millis, lab::cutOneWayToPeers,
                "what " + store.name() + " sends its peers dropped (one way)");
    }

    private String slow(NodeProcess store, int millis) throws Exception {
        return whileOnLink(store, millis, one -> lab.slow(one, 256), store.name() + "'s link limited to 256 kbit/s");
    }

    /** Every secondary's replication connection to the primary delayed: the primary's links, seen from it. */
    private String delayedPrimaryLinks(List<NodeProcess> secondaries, int millis, int delayMillis) throws Exception {
        try {
            for (NodeProcess secondary : secondaries) {
                lab.delay(indexOf(secondary), delayMillis);
            }
            pause(millis);
        } finally {
            for (NodeProcess secondary : secondaries) {
                lab.heal(indexOf(secondary));
            }
        }
        return "every replication link of the primary delayed " + delayMillis + " ms each way for " + millis + " ms";
    }

    /** A fault on the links of one store, by its index in the lab. */
    @FunctionalInterface
    private interface LinkFault {
        void apply(int store) throws Exception;
    }

    /** {@code fault} on {@code store}'s links for {@code millis}, then healed whatever happens. */
    private String whileOnLink(NodeProcess store, int millis, LinkFault fault, String what) throws Exception {
        int index = indexOf(store);
        try {
            fault.apply(index);
            pause(millis);
        } finally {
            lab.heal(index);
        }
        return what + " for " + millis + " ms";
    }

    /** Every store running (the supervisor restarts a killed one) and the cluster healthy. */
    private void awaitWhole() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> fixture.cluster.nodes().stream().allMatch(NodeProcess::alive));
        fixture.awaitHealthy();
    }

    private static void pause(long millis) {
        await().pollDelay(Duration.ofMillis(millis)).atMost(Duration.ofMillis(millis + 1_000)).until(() -> true);
    }
}
