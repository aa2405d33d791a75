package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.backup.FakeBackupStore;
import dev.kvstore.backup.S3Server;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import java.nio.charset.StandardCharsets;
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
 * Backups of real stores under writes, restored into a new cluster of real stores: the restored data is the
 * backup's point exactly. Every write acknowledged at or before the offset the backup covers is there, every
 * write acknowledged after it is not (the writers write unique keys, and each acknowledgement carries its
 * offset). A damaged backup is refused before any store starts.
 */
class BackupRestoreIT {

    @Test
    void a_backup_taken_under_writes_restores_every_write_up_to_its_point_and_none_after() throws Exception {
        Path dir = Files.createTempDirectory("kv-backup");
        backUpUnderWritesAndRestore(dir, BackupStorage.at(dir.resolve("backups").toString(), null, null));
    }

    @Test
    void the_same_through_s3_compatible_object_storage() throws Exception {
        Path dir = Files.createTempDirectory("kv-backup-s3");
        try (S3Server s3 = new S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-backups"));
            backUpUnderWritesAndRestore(dir, BackupStorage.at("s3://kv-backups/cluster-a", s3.endpoint, null));
            assertThat(s3.client().listObjectsV2(b -> b.bucket("kv-backups").prefix("cluster-a/")).contents())
                    .as("objects in the bucket: a snapshot and its manifest").hasSize(2);
        }
    }

    @Test
    void an_upload_cut_halfway_leaves_no_backup_and_no_object() throws Exception {
        try (S3Server s3 = new S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-backups"));
            BackupStorage storage = BackupStorage.at("s3://kv-backups/cut", s3.endpoint, null);
            // 20 MiB then the stream breaks, as when the store dies: two 8 MiB parts are up by then
            java.io.InputStream breaking = new java.io.InputStream() {
                long left = 20L << 20;

                @Override
                public int read() throws java.io.IOException {
                    if (left-- <= 0) {
                        throw new java.io.IOException("connection reset");
                    }
                    return 'x';
                }
            };

            assertThatThrownBy(() -> storage.write("kv-cut.snapshot", breaking)).hasMessageContaining("connection reset");
            assertThat(storage.list("")).as("objects after the cut upload").isEmpty();
            assertThat(s3.client().listMultipartUploads(b -> b.bucket("kv-backups")).uploads())
                    .as("multipart uploads left open").isEmpty();
        }
    }

    @Test
    void a_backup_of_several_parts_is_whole_in_s3_and_a_damaged_one_is_not_kept() throws Exception {
        Path dir = Files.createTempDirectory("kv-backup-parts");
        AdminClient admin = new AdminClient(dev.kvstore.core.admin.ClusterSecrets.of("secret"), Duration.ofSeconds(10),
                url -> null, null);
        try (S3Server s3 = new S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-backups"));
            BackupStorage storage = BackupStorage.at("s3://kv-backups/parts", s3.endpoint, null);
            // 17 MiB: two whole 8 MiB parts and a short last one; then exactly two parts, no short one
            for (int mebibytes : new int[] {17, 16}) {
                byte[] snapshot = FakeBackupStore.snapshotOfSize(9, 2, mebibytes << 20);
                Backups.Manifest manifest;
                try (FakeBackupStore store = new FakeBackupStore(FakeBackupStore.announcing(9, 2, 1),
                        FakeBackupStore.chunked(snapshot, true))) {
                    manifest = Backups.take(admin, "kv-1", store.url(), storage, 9);
                }
                assertThat(manifest.bytes()).isEqualTo(snapshot.length);
                Path fetched = Backups.fetchChecked(storage, Backups.manifest(storage, manifest.name()), dir);
                assertThat(Files.readAllBytes(fetched)).as(mebibytes + " MiB read back").isEqualTo(snapshot);
            }

            byte[] damaged = FakeBackupStore.snapshot(9, 2, 17, 1 << 20);
            damaged[damaged.length - 100] ^= 1; // found only at the end, after two parts went up
            try (FakeBackupStore store = new FakeBackupStore(FakeBackupStore.announcing(9, 2, 17),
                    FakeBackupStore.chunked(damaged, true))) {
                BackupStorage damagedStorage = BackupStorage.at("s3://kv-backups/damaged", s3.endpoint, null);
                assertThatThrownBy(() -> Backups.take(admin, "kv-1", store.url(), damagedStorage, 9))
                        .hasMessageContaining("checksum");
                assertThat(damagedStorage.list("")).as("objects after the damaged backup").isEmpty();
            }
            assertThat(s3.client().listMultipartUploads(b -> b.bucket("kv-backups")).uploads())
                    .as("multipart uploads left open").isEmpty();
        }
    }

    private static void backUpUnderWritesAndRestore(Path dir, BackupStorage storage) throws Exception {
        Backups.Manifest manifest;
        Map<String, KvClient.Ack> acknowledged;
        try (ClusterFixture fixture = new ClusterFixture(dir.resolve("source"), LocalClusterSettings.defaults(3),
                ClusterFixture.freeBasePort(3))) {
            fixture.start();
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 8, "backup")) {
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > 300);
                NodeProcess secondary = fixture.secondaries().get(0);
                AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
                manifest = Backups.take(admin, secondary.name(), secondary.adminUrl(), storage, 0);
                int atBackup = load.acknowledged.size();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > atBackup + 300);
                load.close();
                acknowledged = Map.copyOf(load.acknowledged);
            }
        }
        long before = acknowledged.values().stream().filter(ack -> ack.offset() <= manifest.offset()).count();
        System.out.printf("backup %s: %d keys up to offset %d, %d bytes; %d acknowledged writes, %d of them at or "
                        + "before its offset%n", manifest.name(), manifest.keys(), manifest.offset(), manifest.bytes(),
                acknowledged.size(), before);
        assertThat(before).as("writes acknowledged before the backup's point").isGreaterThan(300);
        assertThat(acknowledged.size() - before).as("writes acknowledged after it").isGreaterThan(300);

        assertThat(storage.list(Backups.MANIFEST)).as("complete backups listed").containsExactly(manifest.name()
                + Backups.MANIFEST);
        Path snapshot = Backups.fetchChecked(storage, Backups.manifest(storage, manifest.name()), dir.resolve("fetched"));
        LocalClusterSettings restoring = LocalClusterSettings.defaults(3).with("kv.restore-from", snapshot.toString());
        try (ClusterFixture restored = new ClusterFixture(dir.resolve("restored"), restoring,
                ClusterFixture.freeBasePort(3))) {
            restored.start();
            List<String> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            for (Map.Entry<String, KvClient.Ack> write : acknowledged.entrySet()) {
                Optional<byte[]> value = restored.client.get(write.getKey()).value();
                boolean covered = write.getValue().offset() <= manifest.offset();
                if (covered && (value.isEmpty() || !Arrays.equals(value.get(), LoadGenerator.value(write.getKey())))) {
                    missing.add(write.getKey() + " at " + write.getValue().offset());
                } else if (!covered && value.isPresent()) {
                    present.add(write.getKey() + " at " + write.getValue().offset());
                }
            }
            assertThat(missing).as("writes acknowledged at or before the backup's offset, missing after the restore")
                    .isEmpty();
            assertThat(present).as("writes acknowledged after the backup's offset, present after the restore").isEmpty();
            // the restored cluster is a cluster: it takes writes, in an epoch after the backup's
            KvClient.Ack next = restored.client.putWithRetry("after-restore", "yes".getBytes(StandardCharsets.UTF_8),
                    Duration.ofSeconds(20));
            assertThat(next.epoch()).as("the restored cluster's epoch").isGreaterThan(manifest.epoch());
            assertThat(next.offset()).as("its first write's offset").isGreaterThan(manifest.offset());
            assertThat(restored.client.get("after-restore").value()).hasValueSatisfying(value ->
                    assertThat(new String(value, StandardCharsets.UTF_8)).isEqualTo("yes"));
        }
    }

    @Test
    void a_damaged_backup_is_refused_before_any_store_starts() throws Exception {
        Path dir = Files.createTempDirectory("kv-backup-damaged");
        Path backups = dir.resolve("backups");
        BackupStorage storage = BackupStorage.at(backups.toString(), null, null);
        Backups.Manifest manifest;
        try (ClusterFixture fixture = new ClusterFixture(dir.resolve("source"), LocalClusterSettings.defaults(2),
                ClusterFixture.freeBasePort(2))) {
            fixture.start();
            for (int i = 0; i < 50; i++) {
                fixture.client.putWithRetry("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
            }
            AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
            manifest = Backups.take(admin, fixture.primary().name(), fixture.primary().adminUrl(), storage, 0);
        }
        Path snapshot = backups.resolve(manifest.snapshot());
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(snapshot, bytes);

        assertThatThrownBy(() -> Backups.fetchChecked(storage, Backups.manifest(storage, manifest.name()),
                dir.resolve("fetched"))).hasMessageContaining("is damaged").hasMessageContaining("Nothing was restored");
        assertThat(dir.resolve("fetched").resolve(manifest.snapshot())).as("the damaged copy, left behind").doesNotExist();
        Files.delete(backups.resolve(manifest.name() + Backups.MANIFEST));
        assertThatThrownBy(() -> Backups.manifest(storage, manifest.name()))
                .as("a snapshot without its manifest: not a complete backup").hasMessageContaining("no backup manifest");
        assertThat(storage.list(Backups.MANIFEST)).as("complete backups listed").isEmpty();
    }
}
