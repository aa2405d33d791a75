package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalBackups;
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
        Path backups = dir.resolve("backups");
        LocalBackups.Manifest manifest;
        Map<String, KvClient.Ack> acknowledged;
        try (ClusterFixture fixture = new ClusterFixture(dir.resolve("source"), LocalClusterSettings.defaults(3),
                ClusterFixture.freeBasePort(3))) {
            fixture.start();
            try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 8, "backup")) {
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged.size() > 300);
                NodeProcess secondary = fixture.secondaries().get(0);
                AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
                manifest = LocalBackups.take(admin, secondary.name(), secondary.adminUrl(), backups);
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

        Path snapshot = LocalBackups.checkedSnapshot(backups.resolve(manifest.name() + ".json"));
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
        LocalBackups.Manifest manifest;
        try (ClusterFixture fixture = new ClusterFixture(dir.resolve("source"), LocalClusterSettings.defaults(2),
                ClusterFixture.freeBasePort(2))) {
            fixture.start();
            for (int i = 0; i < 50; i++) {
                fixture.client.putWithRetry("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
            }
            AdminClient admin = new AdminClient(fixture.cluster.secrets(), Duration.ofSeconds(10), url -> null, null);
            manifest = LocalBackups.take(admin, fixture.primary().name(), fixture.primary().adminUrl(), backups);
        }
        Path snapshot = backups.resolve(manifest.snapshot());
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(snapshot, bytes);

        assertThatThrownBy(() -> LocalBackups.checkedSnapshot(backups.resolve(manifest.name() + ".json")))
                .hasMessageContaining("is damaged").hasMessageContaining("Nothing was restored");
        Files.delete(backups.resolve(manifest.name() + ".json"));
        assertThatThrownBy(() -> LocalBackups.checkedSnapshot(snapshot))
                .as("a snapshot without its manifest: not a complete backup").hasMessageContaining("no backup manifest");
    }
}
