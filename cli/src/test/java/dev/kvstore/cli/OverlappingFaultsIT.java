package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.lin.CheckedHistory;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Faults that overlap on two of three stores must never leave the cluster without a primary: after
 * the last fault ends (a frozen store woken, a killed one running again after the supervisor
 * restarted it), a write is acknowledged and read back within 5 s, and every write acknowledged
 * before is still there. Beside the writers, clients of both protocols (one pinned to each store, so a
 * woken former primary is asked too) record a history that must be linearizable, every key read back
 * from the primary at its end.
 */
class OverlappingFaultsIT {

    private static final Duration RECOVERY = Duration.ofSeconds(5);
    /**
     * Linearizable reads a test's history must hold besides the final reads, so that a pass shows something; the
     * history must also hold writes acknowledged after the last fault ({@link #AFTER_FAULTS}).
     */
    private static final long MIN_READS = 50;
    private static final int AFTER_FAULTS = 20;

    /** The history clients' seed: {@code -Dkv.lin.seed} replays one (the random test uses its faults' seed). */
    private static long historySeed() {
        return Long.getLong("kv.lin.seed", System.nanoTime());
    }

    /** Waits until the writers and the history's clients have had answers, so the faults meet a working cluster. */
    private static void awaitTraffic(LoadGenerator load, CheckedHistory history) {
        await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledged.size() > 50 && history.answered() > 50);
    }

    /** Writes one probe key and reads it back from the primary; returns how long that took from {@code since}. */
    private static long writeAndReadBack(ClusterFixture fixture, String key, long since, Duration within)
            throws Exception {
        KvClient client = new KvClient(fixture.cluster.urls(), Duration.ofSeconds(2));
        await().atMost(within).pollInterval(Duration.ofMillis(20)).ignoreExceptions().untilAsserted(() -> {
            client.put(key, LoadGenerator.value(key));
            assertThat(client.get(key).value()).hasValueSatisfying(
                    value -> assertThat(value).isEqualTo(LoadGenerator.value(key)));
        });
        return (System.nanoTime() - since) / 1_000_000;
    }

    /**
     * A kill ends when the supervisor has the store running again: restarted and answering its
     * status (a JVM start takes seconds on this machine). Returns that moment.
     */
    private static long awaitRestarted(ClusterFixture fixture, List<NodeProcess> killed) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
            for (NodeProcess node : killed) {
                fixture.status(node);
            }
            return true;
        });
        return System.nanoTime();
    }

    private static void assertEveryAcknowledgedWritePresent(ClusterFixture fixture, Map<String, KvClient.Ack> acked) {
        fixture.awaitHealthy();
        KvClient client = new KvClient(fixture.cluster.urls(), Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            List<String> missing = new ArrayList<>();
            for (String key : acked.keySet()) {
                if (client.get(key).value().isEmpty()) {
                    missing.add(key);
                }
            }
            assertThat(missing).as("acknowledged writes missing").isEmpty();
        });
    }

    @Nested
    class Two_pauses {

        @Test
        void the_primary_woken_first_then_the_secondary() throws Exception {
            pausesOverlap(true);
        }

        @Test
        void the_secondary_woken_first_then_the_primary() throws Exception {
            pausesOverlap(false);
        }

        /** SIGSTOP the primary, 50 ms later a secondary; wake one after 1.2 s and the other 0.6 s later. */
        private void pausesOverlap(boolean primaryFirst) throws Exception {
            String name = "overlapping-pauses-" + (primaryFirst ? "primary" : "secondary") + "-woken-first";
            try (ClusterFixture fixture = new ClusterFixture("pauses", LocalClusterSettings.defaults(3)).start();
                 LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "pause");
                 CheckedHistory history = CheckedHistory.start(fixture, name, historySeed())) {
                awaitTraffic(load, history);
                NodeProcess primary = fixture.primary();
                NodeProcess secondary = fixture.secondaries().get(0);
                primary.signal("STOP");
                pause(50);
                secondary.signal("STOP");
                pause(1_200);
                (primaryFirst ? primary : secondary).signal("CONT");
                pause(600);
                (primaryFirst ? secondary : primary).signal("CONT");
                long lastFaultEnded = System.nanoTime();
                long historyAfterFaults = history.now();

                long took = writeAndReadBack(fixture, "probe", lastFaultEnded, RECOVERY);
                System.out.printf("pauses (%s woken first): write acknowledged and read back %d ms after the last"
                        + " fault ended; supervisor: %s%n", primaryFirst ? "primary" : "secondary", took, fixture.events);
                load.close();
                assertEveryAcknowledgedWritePresent(fixture, load.acknowledged);
                history.awaitWritesAcknowledgedSince(historyAfterFaults, AFTER_FAULTS);
                history.finishAndCheck(MIN_READS, "");
            }
        }
    }

    @Test
    void two_kills_in_a_row_before_the_first_store_is_back() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("kills", LocalClusterSettings.defaults(3)).start();
             LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "kill");
             CheckedHistory history = CheckedHistory.start(fixture, "overlapping-two-kills", historySeed())) {
            awaitTraffic(load, history);
            NodeProcess first = fixture.primary();
            first.kill();
            await().atMost(Duration.ofSeconds(5)).until(() -> fixture.primary() != first);
            NodeProcess second = fixture.primary();
            second.kill();
            long lastKill = System.nanoTime();
            long back = awaitRestarted(fixture, List.of(first, second));
            long historyAfterFaults = history.now();

            long took = writeAndReadBack(fixture, "probe", back, RECOVERY);
            System.out.printf("two kills: stores back %d ms after the second kill; write acknowledged and read back %d ms"
                    + " after that; supervisor: %s%n", (back - lastKill) / 1_000_000, took, fixture.events);
            load.close();
            assertEveryAcknowledgedWritePresent(fixture, load.acknowledged);
            history.awaitWritesAcknowledgedSince(historyAfterFaults, AFTER_FAULTS);
            history.finishAndCheck(MIN_READS, "");
        }
    }

    /**
     * Rounds of random overlapping faults (kill -9 or SIGSTOP) on two stores at a time, with random
     * starts and lengths; after each round's last fault ends, a write must go through within 5 s
     * (plus the restart of a killed store), and at the end every acknowledged write is present and the
     * history of the rounds linearizable.
     */
    @Test
    void random_overlapping_faults_on_two_stores_at_a_time() throws Exception {
        long seed = Long.getLong("kv.faults.seed", System.nanoTime());
        int rounds = Integer.getInteger("kv.faults.rounds", 6);
        Random random = new Random(seed);
        System.out.println("random overlapping faults: seed " + seed + " (-Dkv.faults.seed to replay), " + rounds + " rounds");
        try (ClusterFixture fixture = new ClusterFixture("random-faults", LocalClusterSettings.defaults(3)).start();
             LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 4, "random");
             CheckedHistory history = CheckedHistory.start(fixture, "overlapping-random-faults", seed)) {
            awaitTraffic(load, history);
            List<Long> recoveries = new ArrayList<>();
            List<String> plans = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                await().atMost(Duration.ofSeconds(30)).until(() -> fixture.cluster.nodes().stream().allMatch(NodeProcess::alive));
                fixture.awaitHealthy();
                List<NodeProcess> victims = new ArrayList<>(fixture.cluster.nodes());
                java.util.Collections.shuffle(victims, random);
                victims = victims.subList(0, 2);
                List<NodeProcess> killed = new ArrayList<>();
                List<NodeProcess> paused = new ArrayList<>();
                String plan = "";
                for (NodeProcess victim : victims) {
                    boolean kill = random.nextBoolean();
                    plan += (kill ? "kill " : "pause ") + victim.name() + (victim == fixture.primary() ? " (primary) " : " ");
                    if (kill) {
                        victim.kill();
                        killed.add(victim);
                    } else {
                        victim.signal("STOP");
                        paused.add(victim);
                    }
                    pause(random.nextInt(800));
                }
                for (NodeProcess victim : paused) {
                    pause(200 + random.nextInt(1_000));
                    victim.signal("CONT");
                }
                long lastFaultEnded = killed.isEmpty() ? System.nanoTime()
                        : Math.max(System.nanoTime(), awaitRestarted(fixture, killed));
                long took = writeAndReadBack(fixture, "probe-" + round, lastFaultEnded, RECOVERY);
                recoveries.add(took);
                plans.add("round " + round + ": " + plan);
                System.out.printf("round %d: %s-> write read back after %d ms%n", round, plan, took);
            }
            long historyAfterFaults = history.now();
            System.out.println("recoveries (ms): " + recoveries + "; supervisor: " + fixture.events);
            load.close();
            assertEveryAcknowledgedWritePresent(fixture, load.acknowledged);
            history.awaitWritesAcknowledgedSince(historyAfterFaults, AFTER_FAULTS);
            history.finishAndCheck(MIN_READS, "\nfaults (seed " + seed + "):\n" + String.join("\n", plans));
        }
    }

    private static void pause(long millis) throws InterruptedException {
        if (millis > 0) {
            await().pollDelay(Duration.ofMillis(millis)).atMost(Duration.ofMillis(millis + 1_000)).until(() -> true);
        }
    }
}
