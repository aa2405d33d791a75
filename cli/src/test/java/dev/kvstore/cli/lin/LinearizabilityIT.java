package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Clients of both protocols on shared keys while store processes are killed and frozen: every
 * operation is recorded (invocation, completion, outcome) and the whole history must be
 * linearizable (porcupine, through hack/lincheck). After the faults, every key is read back from
 * the primary into the same history, so a write acknowledged and then lost fails the check too.
 * {@code -Dkv.lin.seconds} (default 40) sets how long faults run, {@code -Dkv.lin.seed} replays one.
 */
class LinearizabilityIT {

    @Test
    void histories_under_kills_and_pauses_of_primary_and_secondaries_are_linearizable() throws Exception {
        long seed = Long.getLong("kv.lin.seed", System.nanoTime());
        int seconds = Integer.getInteger("kv.lin.seconds", 40);
        System.out.println("linearizability: seed " + seed + " (-Dkv.lin.seed to replay), " + seconds + " s of faults");
        try (ClusterFixture fixture = new ClusterFixture("lin", LocalClusterSettings.defaults(3)).start();
             CheckedHistory history = CheckedHistory.start(fixture, "process-faults", seed)) {
            ProcessFaults faults = new ProcessFaults(fixture, seed);
            faults.runUntil(System.nanoTime() + Duration.ofSeconds(seconds).toNanos());
            System.out.println("linearizability: faults " + faults.done);
            // a history too thin to show anything would pass vacuously: more than 1000 linearizable reads
            history.finishAndCheck(1_000, "\nfaults:\n" + String.join("\n", faults.log));
            assertThat(faults.done.keySet()).as("faults injected").containsExactlyInAnyOrderElementsOf(faults.kinds());
        }
    }
}
