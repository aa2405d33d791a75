package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.backup.ArchiveSegment;
import dev.kvstore.backup.ArchivedLogs;
import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.backup.LogArchiver;
import dev.kvstore.backup.RestorePlan;
import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.disk.RestorePoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Restore to a point in time, with real store processes: a backup taken under writes, the committed log archived
 * continuously (across a failover) by the code {@code kv archive} runs, then new clusters restored to a time and to
 * a log position after the backup. At a time: every write acknowledged at or before it is there, none sent after
 * it. At a position: exactly the writes at or below it.
 */
class PointInTimeRestoreIT {

    @Test
    void a_restore_to_a_time_or_a_position_after_the_backup_holds_exactly_the_writes_before_it() throws Exception {
        Path dir = Files.createTempDirectory("kv-pitr");
        archiveAndRestore(dir, BackupStorage.at(dir.resolve("backups").toString(), null, null));
    }

    @Test
    void the_same_through_s3_compatible_object_storage() throws Exception {
        Path dir = Files.createTempDirectory("kv-pitr-s3");
        try (dev.kvstore.backup.S3Server s3 = new dev.kvstore.backup.S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-backups"));
            archiveAndRestore(dir, BackupStorage.at("s3://kv-backups/cluster-a", s3.endpoint, null));
        }
    }

    private static void archiveAndRestore(Path dir, BackupStorage storage) throws Exception {
        Backups.Manifest backup;
        Map<String, KvClient.Ack> acknowledged;
        Map<String, LoadGenerator.SentAndAcknowledged> times;
        long pointMillis;
        try (ClusterFixture fixture = new ClusterFixture(dir.resolve("source"), LocalClusterSettings.defaults(3),
                ClusterFixture.freeBasePort(3))) {
            fixture.start();
            AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
            Map<String, String> adminUrls = new java.util.LinkedHashMap<>();
            fixture.cluster.nodes().forEach(node -> adminUrls.put(node.name(), node.adminUrl()));
            LogArchiver archiver = new LogArchiver(storage, "source");
            List<String> troubles = new java.util.concurrent.CopyOnWriteArrayList<>();
            ScheduledExecutorService archiving = Executors.newSingleThreadScheduledExecutor();
            archiving.scheduleWithFixedDelay(() -> {
                try {
                    Optional<String> primary = LocalArchive.primary(admin, adminUrls);
                    if (primary.isPresent()) {
                        LogArchiver.Round round = archiver.archive(admin, adminUrls.get(primary.get()));
                        if (round.trouble() != null) {
                            troubles.add(round.trouble());
                        }
                    }
                } catch (Exception refused) {
                    // a primary failing over, or not confirmed yet: the next round asks again
                }
            }, 0, 20, TimeUnit.MILLISECONDS);
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 6, "pitr")) {
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > 200);
                NodeProcess secondary = fixture.secondaries().get(0);
                backup = Backups.take(admin, secondary.name(), secondary.adminUrl(), storage, 0);
                int atBackup = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > atBackup + 200);
                // a failover between the backup and the point: the archive follows the new primary's log
                long epochBefore = fixture.cluster.supervisor().epoch();
                fixture.primary().kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> fixture.cluster.supervisor().epoch() > epochBefore
                        && load.acknowledged.values().stream().anyMatch(ack -> ack.epoch() > epochBefore));
                int afterFailover = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > afterFailover + 200);
                pointMillis = System.currentTimeMillis();
                int atPoint = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > atPoint + 300);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
                times = Map.copyOf(load.times);
            }
            long lastAck = times.values().stream().mapToLong(LoadGenerator.SentAndAcknowledged::acknowledgedMillis).max()
                    .orElseThrow();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                LogArchiver.Head head = LogArchiver.head(storage);
                return head != null && head.throughMillis() > lastAck;
            });
            archiving.shutdownNow();
            archiving.awaitTermination(10, TimeUnit.SECONDS);
            System.out.printf("archive: %d segments, troubles %s%n", LogArchiver.segments(storage).size(), troubles);
            // synchronous replication: the failover dropped nothing the archive held, and nothing was compacted away
            assertThat(troubles).as("gaps or entries set aside").isEmpty();
        }

        // at a time: acknowledged at or before it -> there; sent after it -> not there; in flight then -> either
        RestorePoint atTime = new RestorePoint.AtTime(pointMillis);
        RestorePlan timePlan = RestorePlan.in(storage, null, atTime);
        assertThat(timePlan.backup().name()).as("the backup before the point").isEqualTo(backup.name());
        List<String> before = keys(times, t -> t.acknowledgedMillis() <= pointMillis);
        List<String> after = keys(times, t -> t.sentMillis() > pointMillis);
        assertThat(before.stream().filter(key -> acknowledged.get(key).offset() > backup.offset()).count())
                .as("writes after the backup and before the point: replayed from the archive").isGreaterThan(200);
        assertThat(after).as("writes sent after the point").hasSizeGreaterThan(200);
        restoreAndCheck(dir.resolve("at-time"), storage, timePlan, before, after);

        // at a position: the offset of a write acknowledged between the backup and the point
        KvClient.Ack middle = acknowledged.values().stream().filter(ack -> ack.offset() > backup.offset() + 100)
                .min(java.util.Comparator.comparingLong(KvClient.Ack::offset)).orElseThrow();
        RestorePoint atPosition = new RestorePoint.AtPosition(middle.epoch(), middle.offset());
        RestorePlan positionPlan = RestorePlan.in(storage, null, atPosition);
        restoreAndCheck(dir.resolve("at-position"), storage, positionPlan,
                keys(acknowledged, ack -> ack.offset() <= middle.offset()),
                keys(acknowledged, ack -> ack.offset() > middle.offset()));

        // not restorable: a point the archive does not reach yet, and an archive missing a segment
        RestorePoint later = new RestorePoint.AtTime(System.currentTimeMillis() + 60_000);
        assertThatThrownBy(() -> RestorePlan.in(storage, null, later)).hasMessageContaining("not yet through");
        List<ArchiveSegment> segments = LogArchiver.segments(storage);
        ArchiveSegment missing = segments.stream().filter(s -> s.start() > backup.offset() + 1).findFirst().orElseThrow();
        storage.delete(missing.name());
        assertThatThrownBy(() -> RestorePlan.in(storage, null, atTime)).hasMessageContaining("misses offsets "
                + missing.start());
    }

    private static void restoreAndCheck(Path dir, BackupStorage storage, RestorePlan plan, List<String> present,
                                        List<String> absent) throws Exception {
        Path snapshot = Backups.fetchChecked(storage, plan.backup(), dir.resolve("fetched"));
        Path log = ArchivedLogs.fetch(storage, plan.segments(), dir.resolve("fetched").resolve("archived.kvlog"));
        LocalClusterSettings restoring = LocalClusterSettings.defaults(2).with("kv.restore-from", snapshot.toString())
                .with("kv.restore-log", log.toString()).with("kv.restore-to", plan.point().toString());
        try (ClusterFixture restored = new ClusterFixture(dir.resolve("cluster"), restoring,
                ClusterFixture.freeBasePort(2))) {
            restored.start();
            // the replayed entries apply once the new primary's term commits: a first write waits for that
            restored.client.putWithRetry("after-restore", new byte[] {1}, Duration.ofSeconds(20));
            List<String> missing = new ArrayList<>();
            for (String key : present) {
                Optional<byte[]> value = restored.client.get(key).value();
                if (value.isEmpty() || !Arrays.equals(value.get(), LoadGenerator.value(key))) {
                    missing.add(key);
                }
            }
            List<String> there = new ArrayList<>();
            for (String key : absent) {
                if (restored.client.get(key).value().isPresent()) {
                    there.add(key);
                }
            }
            System.out.printf("restored to %s from %s and %d segments: %d writes checked present, %d absent%n",
                    plan.point(), plan.backup().name(), plan.segments().size(), present.size(), absent.size());
            assertThat(missing).as("writes before " + plan.point() + " missing after the restore").isEmpty();
            assertThat(there).as("writes after " + plan.point() + " present after the restore").isEmpty();
        }
    }

    private static <T> List<String> keys(Map<String, T> writes, Predicate<T> which) {
        return writes.entrySet().stream().filter(write -> which.test(write.getValue())).map(Map.Entry::getKey).toList();
    }
}
