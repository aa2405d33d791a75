package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.cli.power.LossyDisk;
import dev.kvstore.cli.power.PowerLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Power lost on every machine at once, under writes: each store's data directory is a lossyfs mount
 * (hack/lossyfs) that keeps what was not forced in a page cache of its own and undoes directory changes
 * whose directory was not forced; the stores are killed with kill -9, every disk is cut, and the stores
 * start again on what survived. In sync mode with fsync always, every acknowledged write is on two disks
 * before its answer, so every one is back, with snapshots and log compactions (renames) along the way.
 * Two runs show the cut bites, so the first could not pass by accident: fsync everysec loses
 * acknowledged writes (as documented), and so does the store with its directory-force fix reverted.
 */
class PowerLossIT {

    /** Snapshots (and log compactions, a rename each) every 300 entries: several per store in each run. */
    private static final LocalClusterSettings COMPACTING = LocalClusterSettings.defaults(3)
            .with("kv.snapshot-every-entries", "300").with("kv.snapshot-growth-percent", "0")
            .with("kv.log-retention-entries", "50");

    /**
     * @param missing       acknowledged writes not read back from a store once the cluster reformed ("key on store")
     * @param fewDisks      acknowledged writes that fewer than two disks held after the cut, each disk read alone
     *                      before any store streamed to another (kv.min-sync-replicas 1: the primary's and one more)
     */
    private record Outcome(int acknowledged, List<String> missing, List<String> fewDisks, long bytesLost,
                           long entriesUndone) {
        void print(String run) {
            System.out.printf("power cut of all 3 stores (%s): %d acknowledged, %d on fewer than 2 disks, %d missing "
                    + "(key on store), %d unforced bytes lost, %d directory changes undone%n", run, acknowledged,
                    fewDisks.size(), missing.size(), bytesLost, entriesUndone);
        }
    }

    @Test
    void every_acknowledged_write_is_back_after_every_store_loses_power_at_once() throws Exception {
        Outcome outcome = writeCutAndRestart("power", COMPACTING);

        outcome.print("fsync always");
        assertThat(outcome.fewDisks()).as("acknowledged writes on fewer than 2 disks after the power cut").isEmpty();
        assertThat(outcome.missing()).as("acknowledged writes missing after the power cut").isEmpty();
    }

    @Test
    void with_fsync_everysec_the_same_cut_loses_acknowledged_writes_from_the_disks() throws Exception {
        // no frequent snapshots here: each one forces the whole data set, which would leave little to lose
        Outcome outcome = writeCutAndRestart("power-everysec", LocalClusterSettings.defaults(3).withFsync("everysec"));

        outcome.print("fsync everysec");
        assertThat(outcome.bytesLost()).as("unforced bytes the disks lost").isPositive();
        // the guarantee fsync always keeps (on two disks once acknowledged) is broken: up to a second of writes
        // is on fewer disks. Whether one is then gone from every store depends on where each store's last
        // fsync fell (a store that forced later gives it back to the others): counted, not asserted
        assertThat(outcome.fewDisks()).as("acknowledged writes on fewer than 2 disks after the cut").isNotEmpty();
    }

    @Test
    void with_the_directory_force_fix_reverted_the_same_cut_loses_acknowledged_writes() throws Exception {
        Outcome outcome = writeCutAndRestart("power-nodirsync",
                COMPACTING.with("kv.failpoint-skip-directory-force", "true"));

        outcome.print("fsync always, directories never forced");
        assertThat(outcome.entriesUndone()).as("renames and creations undone").isPositive();
        assertThat(outcome.missing()).as("acknowledged writes lost with the old log back after a compaction")
                .isNotEmpty();
    }

    private static Outcome writeCutAndRestart(String name, LocalClusterSettings settings) throws Exception {
        Path dir = Files.createTempDirectory("kv-" + name);
        int basePort = ClusterFixture.freeBasePort(3);
        try (PowerLab power = new PowerLab(dir, 3)) {
            Map<String, KvClient.Ack> acknowledged;
            try (ClusterFixture fixture = new ClusterFixture(dir, settings.withRestart(false), basePort).start()) {
                try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 8, name)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > 1500);
                    // the power goes: every process at once, while the writers are going
                    fixture.cluster.nodes().forEach(NodeProcess::kill);
                    load.close();
                    acknowledged = Map.copyOf(load.acknowledged);
                }
            }
            long bytesLost = 0;
            long entriesUndone = 0;
            for (int i = 0; i < 3; i++) {
                LossyDisk.Cut cut = power.cut(i);
                bytesLost += cut.bytes();
                entriesUndone += cut.entries();
            }
            List<String> missing = new ArrayList<>();
            List<String> fewDisks;
            try (ClusterFixture again = new ClusterFixture(dir, settings, basePort)) {
                // each store alone first: no supervisor yet, so none streams to another and each log is its disk's
                again.cluster.startDeadNodes();
                fewDisks = onFewerThanTwoDisks(acknowledged, logEnds(again));
                again.start();
                for (NodeProcess node : again.cluster.nodes()) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() ->
                            assertThat(again.status(node).path("lag").asLong()).as(node.name() + " lag").isZero());
                }
                for (String key : acknowledged.keySet()) {
                    for (NodeProcess node : again.cluster.nodes()) {
                        Optional<byte[]> value = again.client.get(node.httpUrl(), key).value();
                        if (value.isEmpty() || !Arrays.equals(value.get(), LoadGenerator.value(key))) {
                            missing.add(key + " on " + node.name());
                        }
                    }
                }
            }
            return new Outcome(acknowledged.size(), missing, fewDisks, bytesLost, entriesUndone);
        }
    }

    /** Each store's last log position (epoch, offset) as it started from its disk alone. */
    private static List<KvClient.Ack> logEnds(ClusterFixture alone) {
        List<KvClient.Ack> ends = new ArrayList<>();
        for (NodeProcess node : alone.cluster.nodes()) {
            KvClient.Ack[] end = new KvClient.Ack[1];
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                var status = alone.status(node);
                assertThat(status.path("role").asText()).as(node.name() + " role before the supervisor").isEqualTo("none");
                end[0] = new KvClient.Ack(status.path("lastEpoch").asLong(), status.path("lastOffset").asLong());
            });
            ends.add(end[0]);
        }
        return ends;
    }

    /**
     * The acknowledged writes whose entry fewer than two logs reach. Every write of a run is in one epoch (no
     * failover while writing), so a log whose last entry is of that epoch or later and at or past the offset
     * holds it: a store cuts a torn or unchecked tail at start, and it never skips an entry.
     */
    private static List<String> onFewerThanTwoDisks(Map<String, KvClient.Ack> acknowledged, List<KvClient.Ack> ends) {
        List<String> few = new ArrayList<>();
        acknowledged.forEach((key, ack) -> {
            long disks = ends.stream().filter(end -> end.epoch() >= ack.epoch() && end.offset() >= ack.offset()).count();
            if (disks < 2) {
                few.add(key + " at " + ack.epoch() + "/" + ack.offset() + " on " + disks);
            }
        });
        return few;
    }
}
