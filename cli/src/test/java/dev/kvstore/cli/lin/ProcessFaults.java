package dev.kvstore.cli.lin;

import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Faults on store processes, one at a time, every kind once per round in a random order (seeded):
 * kill -9 or SIGSTOP of the primary or of a secondary, with pause lengths around and well past the
 * failover delay (a primary woken after its successor took over is where stale reads come from). After each fault it waits
 * until every store runs again and the cluster is healthy, so that every fault meets a whole cluster.
 */
final class ProcessFaults {

    enum Kind {
        KILL_PRIMARY, PAUSE_PRIMARY_LONG, PAUSE_PRIMARY_SHORT, KILL_SECONDARY, PAUSE_SECONDARY
    }

    private final ClusterFixture fixture;
    private final Random random;
    final Map<Kind, Integer> done = new TreeMap<>();
    final List<String> log = new ArrayList<>();

    ProcessFaults(ClusterFixture fixture, long seed) {
        this.fixture = fixture;
        this.random = new Random(seed);
    }

    /** Runs faults until {@code until} (System.nanoTime), each after 0.5 to 2 s of calm. */
    void runUntil(long until) throws Exception {
        List<Kind> round = new ArrayList<>();
        while (System.nanoTime() < until) {
            if (round.isEmpty()) {
                round.addAll(List.of(Kind.values()));
                java.util.Collections.shuffle(round, random);
            }
            pause(500 + random.nextInt(1_500));
            Kind kind = round.remove(0);
            NodeProcess primary = fixture.primary();
            List<NodeProcess> secondaries = fixture.secondaries();
            NodeProcess secondary = secondaries.get(random.nextInt(secondaries.size()));
            long started = System.nanoTime();
            String what = switch (kind) {
                case KILL_PRIMARY -> kill(primary);
                case PAUSE_PRIMARY_LONG -> pauseFor(primary, 600 + random.nextInt(1_400));
                case PAUSE_PRIMARY_SHORT -> pauseFor(primary, 50 + random.nextInt(250));
                case KILL_SECONDARY -> kill(secondary);
                case PAUSE_SECONDARY -> pauseFor(secondary, 100 + random.nextInt(1_400));
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
