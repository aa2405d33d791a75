package dev.kvstore.backup;

import static dev.kvstore.backup.FakeBackupStore.announcing;
import static dev.kvstore.backup.FakeBackupStore.chunked;
import static dev.kvstore.backup.FakeBackupStore.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What kv backup keeps of what a store sends: a whole snapshot that covers what the store announced, and at
 * least what the store had applied when it was chosen; anything else leaves nothing that looks like a backup.
 */
class BackupsCutStreamTest {

    @TempDir
    Path dir;

    private final AdminClient admin = new AdminClient(ClusterSecrets.of("secret"), Duration.ofSeconds(5), url -> null, null);

    private Backups.Manifest take(FakeBackupStore store, long atLeastOffset) throws Exception {
        return Backups.take(admin, "kv-1", store.url(), BackupStorage.at(dir.resolve("backups").toString(), null, null),
                atLeastOffset);
    }

    private void assertNothingKept(String head, byte[] body, long atLeastOffset, String failure) throws Exception {
        try (FakeBackupStore store = new FakeBackupStore(head, body)) {
            assertThatThrownBy(() -> take(store, atLeastOffset)).hasMessageContaining(failure);
        }
        Path backups = dir.resolve("backups");
        if (Files.exists(backups)) {
            try (Stream<Path> left = Files.list(backups)) {
                assertThat(left).as("files left in the backup directory").isEmpty();
            }
        }
    }

    @Test
    void a_whole_backup_is_kept_with_what_its_snapshot_covers() throws Exception {
        byte[] snapshot = snapshot(5, 2, 3, 10);
        Backups.Manifest manifest;
        try (FakeBackupStore store = new FakeBackupStore(announcing(5, 2, 3), chunked(snapshot, true))) {
            manifest = take(store, 5);
        }

        assertThat(manifest.offset()).isEqualTo(5);
        assertThat(manifest.epoch()).isEqualTo(2);
        assertThat(manifest.name()).matches("kv-\\d{8}-\\d{6}-2-5-[0-9a-f]{6}");
        assertThat(Files.readAllBytes(dir.resolve("backups").resolve(manifest.snapshot()))).isEqualTo(snapshot);
        assertThat(Backups.manifest(BackupStorage.at(dir.resolve("backups").toString(), null, null), manifest.name()))
                .as("the manifest read back").isEqualTo(manifest);
    }

    @Test
    void a_backup_cut_halfway_leaves_no_file_and_no_manifest() throws Exception {
        // one chunk, then the connection drops: no last chunk
        assertNothingKept(announcing(5, 1, 2), chunked("0123456789".getBytes(StandardCharsets.US_ASCII), false), 0,
                "was cut");
    }

    @Test
    void a_whole_stream_whose_bytes_do_not_match_their_checksum_is_not_kept() throws Exception {
        // complete as HTTP (the last chunk is there), but not a snapshot whose last 8 bytes are its CRC32C
        byte[] damaged = snapshot(5, 1, 2, 10);
        damaged[damaged.length / 2] ^= 1;
        assertNothingKept(announcing(5, 1, 2), chunked(damaged, true), 0, "checksum");
    }

    @Test
    void a_snapshot_covering_another_offset_than_its_store_announced_is_not_kept() throws Exception {
        assertNothingKept(announcing(5, 1, 2), chunked(snapshot(4, 1, 2, 10), true), 0, "covers offset 4");
        assertNothingKept(announcing(5, 1, 2), chunked(snapshot(5, 3, 2, 10), true), 0, "(epoch 3)");
    }

    @Test
    void a_backup_ending_before_what_its_store_had_applied_when_chosen_is_not_kept() throws Exception {
        // the store started over empty after a divergence between the choice and the call
        assertNothingKept(announcing(0, 0, 0), chunked(snapshot(0, 0, 0, 0), true), 40, "lost its data meanwhile");
    }

    @Test
    void a_manifest_that_names_a_snapshot_outside_its_backup_is_refused() throws Exception {
        Path backups = Files.createDirectories(dir.resolve("backups"));
        Files.writeString(backups.resolve("kv-x.json"), "{\"name\":\"kv-x\",\"store\":\"kv-1\",\"offset\":5,\"epoch\":1,"
                + "\"keys\":2,\"bytes\":10,\"sha256\":\"00\",\"started\":\"\",\"finished\":\"\","
                + "\"snapshot\":\"../../etc/passwd\"}");

        assertThatThrownBy(() -> Backups.manifest(BackupStorage.at(backups.toString(), null, null), "kv-x.json"))
                .hasMessageContaining("names its snapshot ../../etc/passwd").hasMessageContaining("Nothing was restored");
    }
}
