package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.LoadGenerator;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.power.PowerLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A soak: random faults of every kind (kill -9, SIGSTOP, partitions of the primary, of a secondary
 * and of the supervisor, lossy links, one-way drops, a slow link, delayed replication links (netdelay),
 * power lost on the primary's or a
 * secondary's machine) one after another on three stores in network namespaces, each on a disk that
 * loses what was not forced (lossyfs), under the linearizability clients and writers of unique keys. At the end
 * the history must be linearizable and every acknowledged unique write present. 2 minutes on every run;
 * {@code -Dkv.soak.seconds=600} (or more) on request, {@code -Dkv.lin.seed} replays one.
 */
class SoakIT {

    @Test
    void random_faults_of_every_kind_leave_a_linearizable_history_and_every_acknowledged_write() throws Exception {
        long seed = Long.getLong("kv.lin.seed", System.nanoTime());
        int seconds = Integer.getInteger("kv.soak.seconds", 120);
        System.out.println("soak: seed " + seed + " (-Dkv.lin.seed to replay), " + seconds + " s (-Dkv.soak.seconds)");
        ProcessFaults faults;
        LoadGenerator unique;
        try (NetworkLab lab = new NetworkLab(3);
             PowerLab power = new PowerLab(java.nio.file.Files.createTempDirectory("kv-soak"), 3);
             ClusterFixture fixture = new ClusterFixture(power.dir(), LocalClusterSettings.defaults(3), lab::placement)) {
            // delays are among the soak's faults, so every replication connection goes through a netdelay, as
            // through a sidecar proxy: a cut link shows as a connection that closes, not as a connect timeout
            // (PartitionIT's partitions run without the forwarder)
            lab.routeReplicationThroughDelay(fixture.cluster.nodes());
            fixture.start();
            try (CheckedHistory checked = CheckedHistory.start(fixture, "soak", seed)) {
                unique = new LoadGenerator(fixture.cluster.urls(), 2, "soak", Duration.ofSeconds(seconds + 120));
                faults = new ProcessFaults(fixture, lab, power, seed);
                faults.runUntil(System.nanoTime() + Duration.ofSeconds(seconds).toNanos());
                lab.healAll();
                unique.close();
                checked.finishAndCheck(1_000, "\nfaults:\n" + String.join("\n", faults.log));
            }
            fixture.awaitHealthy();
            KvClient client = new KvClient(fixture.cluster.urls(), Duration.ofSeconds(5));
            List<String> missing = new ArrayList<>();
            for (String key : unique.acknowledged.keySet()) {
                var read = client.get(key).value();
                if (read.isEmpty() || !java.util.Arrays.equals(read.get(), LoadGenerator.value(key))) {
                    missing.add(key);
                }
            }
            System.out.printf("soak: %d unique writes acknowledged, %d missing; faults %s%n", unique.acknowledged.size(),
                    missing.size(), faults.done);
            assertThat(missing).as("acknowledged unique writes missing or changed at the end").isEmpty();
            assertThat(unique.acknowledged.size()).as("unique writes acknowledged").isGreaterThan(100);
        }

        assertThat(faults.done.keySet()).as("every kind of fault at least once").containsExactlyInAnyOrderElementsOf(
                faults.kinds());
    }
}
