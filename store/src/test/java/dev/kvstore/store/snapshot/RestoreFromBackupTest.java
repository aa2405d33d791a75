package dev.kvstore.store.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kv.restore-from, on real files: a store's backup seeds a new store's data directory once, and nothing else. */
class RestoreFromBackupTest {

    @TempDir
    Path dir;
    private int backups;

    private static NodeSettings settings(Path dataDir) {
        return new NodeSettings("kv-0", "test", "secret", dataDir, "127.0.0.1:1", "http://127.0.0.1:2",
                ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300, 100_000, 10_000,
                NodeSettings.defaultMaxMemoryBytes());
    }

    /** A backup of a lone primary (epoch 3) that acknowledged {@code writes} writes, as the admin call streams it. */
    private Path backupOf(int writes) throws Exception {
        String name = backups++ == 0 ? "source" : "source-" + backups;
        Path source = dir.resolve(name);
        StoreNode node = new StoreNode(settings(source), DiskSync.SYSTEM);
        try {
            node.promote(3, true);
            for (int i = 0; i < writes; i++) {
                node.write(LogEntry.put(0, 0, "k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SnapshotFile.writeTo(node.backupSnapshot(), out);
            Path backup = dir.resolve(name + ".snapshot");
            Files.write(backup, out.toByteArray());
            return backup;
        } finally {
            node.close();
        }
    }

    /** Opens the store of {@code dataDir}, promotes it in {@code epoch}, and commits the term with one write (a primary answers reads after). */
    private static StoreNode primaryOf(Path dataDir, long epoch) throws Exception {
        StoreNode node = new StoreNode(settings(dataDir), DiskSync.SYSTEM);
        node.promote(epoch, true);
        node.write(LogEntry.put(0, 0, "new", "n".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        return node;
    }

    @Test
    void a_new_store_starts_with_the_backups_data_and_epoch() throws Exception {
        Path backup = backupOf(20);
        Path target = dir.resolve("target");

        RestoreFromBackup.Restored restored = RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);

        assertThat(restored.now()).isTrue();
        assertThat(restored.epoch()).isEqualTo(3);
        StoreNode opened = new StoreNode(settings(target), DiskSync.SYSTEM);
        try {
            assertThat(opened.status().epoch()).as("the store's epoch").isEqualTo(3);
            assertThat(opened.status().lastOffset()).as("its log's end").isEqualTo(restored.offset());
        } finally {
            opened.close();
        }
        StoreNode node = primaryOf(target, 4);
        try {
            for (int i = 0; i < 20; i++) {
                assertThat(node.read("k" + i).value()).as("k" + i).isEqualTo(("v" + i).getBytes(StandardCharsets.UTF_8));
            }
        } finally {
            node.close();
        }
    }

    @Test
    void a_store_started_again_with_the_same_setting_keeps_its_own_data() throws Exception {
        Path backup = backupOf(5);
        Path target = dir.resolve("target");
        RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);
        StoreNode node = primaryOf(target, 4);
        try {
            node.write(LogEntry.put(0, 0, "later", "x".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
        } finally {
            node.close();
        }

        RestoreFromBackup.Restored again = RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);

        assertThat(again.now()).as("restored a second time").isFalse();
        StoreNode reopened = primaryOf(target, 5);
        try {
            assertThat(reopened.read("later").value()).as("a write made after the restore").isNotNull();
        } finally {
            reopened.close();
        }
    }

    @Test
    void a_directory_holding_a_stores_data_is_never_overwritten() throws Exception {
        Path backup = backupOf(5);

        assertThatThrownBy(() -> RestoreFromBackup.prepare(dir.resolve("source"), backup, 1 << 20, DiskSync.SYSTEM))
                .hasMessageContaining("already holds a store's data").hasMessageContaining("never in place");
        assertThat(Files.exists(dir.resolve("source").resolve(RestoreFromBackup.MARK))).isFalse();
    }

    @Test
    void a_damaged_or_cut_backup_is_refused_and_nothing_is_written() throws Exception {
        Path backup = backupOf(20);
        byte[] bytes = Files.readAllBytes(backup);
        Path damaged = dir.resolve("damaged.snapshot");
        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x01;
        Files.write(damaged, flipped);
        Path cut = dir.resolve("cut.snapshot");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        for (Path bad : new Path[] {damaged, cut}) {
            Path target = dir.resolve("target-" + bad.getFileName());
            assertThatThrownBy(() -> RestoreFromBackup.prepare(target, bad, 1 << 20, DiskSync.SYSTEM))
                    .isInstanceOf(IOException.class).hasMessageContaining("not a whole, intact backup")
                    .hasMessageContaining("nothing was restored");
            assertThat(Files.exists(target)).as("a data directory made for " + bad.getFileName()).isFalse();
        }
    }

    @Test
    void a_restore_cut_short_by_a_crash_is_done_again_at_the_next_start() throws Exception {
        Path backup = backupOf(10);
        Path target = dir.resolve("target");
        RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);
        // as if the machine stopped after the snapshot was in place and before the mark was made final
        Files.move(target.resolve(RestoreFromBackup.MARK), target.resolve(RestoreFromBackup.MARK + ".part"));

        RestoreFromBackup.Restored again = RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);

        assertThat(again.now()).as("restored again").isTrue();
        assertThat(Files.exists(target.resolve(RestoreFromBackup.MARK))).isTrue();
    }

    @Test
    void keys_with_a_time_to_live_keep_it_through_backup_and_restore() throws Exception {
        Path source = dir.resolve("source");
        StoreNode node = new StoreNode(settings(source), DiskSync.SYSTEM);
        long at = System.currentTimeMillis() + 3_600_000;
        Path backup = dir.resolve("backup.snapshot");
        try {
            node.promote(2, true);
            node.write(LogEntry.put(0, 0, "plain", "p".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
            node.write(LogEntry.batch(0, 0, java.util.List.of(
                    dev.kvstore.store.log.Mutation.put("expiring", "e".getBytes(StandardCharsets.UTF_8), at))))
                    .get(5, TimeUnit.SECONDS);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SnapshotFile.writeTo(node.backupSnapshot(), out);
            Files.write(backup, out.toByteArray());
        } finally {
            node.close();
        }
        Path target = dir.resolve("target");
        RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM);
        StoreNode restored = primaryOf(target, 3);
        try {
            assertThat(restored.readWithExpiry("expiring", System.currentTimeMillis()).expiresAtMillis()).isEqualTo(at);
            assertThat(restored.readWithExpiry("plain", System.currentTimeMillis()).expiresAtMillis()).isZero();
        } finally {
            restored.close();
        }
    }

    @Test
    void a_directory_with_a_snapshot_no_restore_began_in_is_never_overwritten() throws Exception {
        // a store's directory that lost its log (or someone's copy of a snapshot): not a restore cut short
        Path backup = backupOf(5);
        Path target = dir.resolve("target");
        Files.createDirectories(target);
        Files.write(target.resolve(SnapshotFile.NAME), Files.readAllBytes(backupOf(3)));
        Files.writeString(target.resolve("epoch"), "7\n");

        assertThatThrownBy(() -> RestoreFromBackup.prepare(target, backup, 1 << 20, DiskSync.SYSTEM))
                .hasMessageContaining("already holds a store's data");
        assertThat(Files.readString(target.resolve("epoch"))).isEqualTo("7\n");
    }

    @Test
    void a_directory_restored_from_one_backup_is_not_restored_from_another() throws Exception {
        Path first = backupOf(5);
        Path other = backupOf(9);
        Path target = dir.resolve("target");
        RestoreFromBackup.prepare(target, first, 1 << 20, DiskSync.SYSTEM);
        byte[] restored = Files.readAllBytes(target.resolve(SnapshotFile.NAME));

        assertThatThrownBy(() -> RestoreFromBackup.prepare(target, other, 1 << 20, DiskSync.SYSTEM))
                .hasMessageContaining("was restored from another backup");
        assertThat(Files.readAllBytes(target.resolve(SnapshotFile.NAME))).as("the first restore's snapshot")
                .isEqualTo(restored);
    }

    @Test
    void a_directory_another_restore_of_the_same_backup_seeded_is_refused_not_gone_on_from() throws Exception {
        Path backup = backupOf(5);
        Path target = dir.resolve("target");
        RestoreFromBackup.prepare(target, backup, "uid-of-the-first-cluster", 1 << 20, DiskSync.SYSTEM);
        assertThat(RestoreFromBackup.prepare(target, backup, "uid-of-the-first-cluster", 1 << 20, DiskSync.SYSTEM).now())
                .as("the same restore starting again goes on from its data").isFalse();

        // the cluster deleted, its volume kept, a cluster of the same name made again from the same backup
        assertThatThrownBy(() -> RestoreFromBackup.prepare(target, backup, "uid-of-the-second-cluster", 1 << 20,
                DiskSync.SYSTEM)).hasMessageContaining("by another restore").hasMessageContaining("delete the volume claims");
    }

    @Test
    void a_restore_to_a_position_replays_the_archived_entries_after_the_backup_up_to_it() throws Exception {
        Path source = dir.resolve("source-pitr");
        StoreNode node = new StoreNode(settings(source), DiskSync.SYSTEM);
        Path backup = dir.resolve("pitr.snapshot");
        Path archive = dir.resolve("pitr.kvlog");
        long backupOffset;
        long cutAt = 0;
        try {
            node.promote(3, true);
            for (int i = 0; i < 20; i++) {
                long offset = node.write(LogEntry.put(0, 0, "k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8)))
                        .get(5, TimeUnit.SECONDS).offset();
                if (i == 9) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    SnapshotFile.writeTo(node.backupSnapshot(), out);
                    Files.write(backup, out.toByteArray());
                }
                if (i == 14) {
                    cutAt = offset;
                }
            }
            backupOffset = SnapshotFile.verify(Files.newInputStream(backup), 1 << 20).lastIncludedOffset();
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            for (LogEntry entry : node.log().read(1, 1000)) {
                log.write(dev.kvstore.store.log.LogEntryCodec.encode(entry)); // from the log's start: before the backup too
            }
            Files.write(archive, log.toByteArray());
        } finally {
            node.close();
        }
        Path target = dir.resolve("target-pitr");
        RestoreFromBackup.Restored restored = RestoreFromBackup.prepare(target, backup, new RestoreFromBackup.ToPoint(
                archive, new dev.kvstore.core.disk.RestorePoint.AtPosition(3, cutAt)), null, 1 << 20, DiskSync.SYSTEM);

        assertThat(restored.offset()).as("restored up to").isEqualTo(cutAt).isGreaterThan(backupOffset);
        StoreNode reopened = new StoreNode(settings(target), DiskSync.SYSTEM);
        try {
            // committed in the source: applied as the store opens, not left as a backlog for its first promotion
            assertThat(reopened.status().appliedOffset()).as("applied at open").isEqualTo(cutAt);
        } finally {
            reopened.close();
        }
        StoreNode opened = primaryOf(target, 4);
        try {
            for (int i = 0; i < 20; i++) {
                assertThat(opened.read("k" + i).value()).as("k" + i)
                        .isEqualTo(i <= 14 ? ("v" + i).getBytes(StandardCharsets.UTF_8) : null);
            }
        } finally {
            opened.close();
        }
    }
}
