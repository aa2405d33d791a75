package dev.kvstore.backup;

import static dev.kvstore.backup.FakeBackupStore.announcing;
import static dev.kvstore.backup.FakeBackupStore.chunked;
import static dev.kvstore.backup.FakeBackupStore.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A writer killed outright (SIGKILL, the OOM killer) cannot clean up after itself: what it left is removed once it
 * is a day old, and nothing younger, nothing finished and nothing of another location is touched.
 */
class AbandonedWritesTest {

    @TempDir
    Path dir;

    private Path partFile(String name, Instant lastWritten) throws Exception {
        Path part = Files.writeString(dir.resolve(name), "half a snapshot");
        Files.setLastModifiedTime(part, FileTime.from(lastWritten));
        return part;
    }

    @Test
    void a_directorys_part_files_older_than_the_cutoff_are_removed_and_nothing_else() throws Exception {
        Instant now = Instant.now();
        Path abandoned = partFile("kv-20261205-010203-1-5-abcdef.snapshot.1f2e.part", now.minus(Duration.ofDays(2)));
        Path beingWritten = partFile("kv-20261207-010203-1-9-abcdef.snapshot.3c4d.part", now);
        Path anothersPart = partFile("holiday-photos.zip.1f2e.part", now.minus(Duration.ofDays(2)));
        Path complete = Files.writeString(dir.resolve("kv-20261205-010203-1-5-abcdef.json"), "{}");
        Files.setLastModifiedTime(complete, FileTime.from(now.minus(Duration.ofDays(3))));

        var removed = BackupStorage.at(dir.toString(), null, null).removeAbandoned(now.minus(Duration.ofDays(1)));

        assertThat(removed).containsExactly(abandoned.toString());
        assertThat(abandoned).doesNotExist();
        assertThat(beingWritten).exists();
        assertThat(complete).exists();
        assertThat(anothersPart).as("not a part file this project writes").exists();
    }

    @Test
    void a_backup_removes_the_day_old_leftovers_of_one_killed_before_it() throws Exception {
        Path backups = Files.createDirectories(dir.resolve("backups"));
        Path abandoned = Files.writeString(backups.resolve("kv-20261205-010203-1-5-abcdef.snapshot.1f2e.part"), "half");
        Files.setLastModifiedTime(abandoned, FileTime.from(Instant.now().minus(Backups.ABANDONED_AFTER).minusSeconds(60)));
        AdminClient admin = new AdminClient(ClusterSecrets.of("secret"), Duration.ofSeconds(5), url -> null, null);
        BackupStorage storage = BackupStorage.at(backups.toString(), null, null);

        Backups.Manifest manifest;
        try (FakeBackupStore store = new FakeBackupStore(announcing(5, 2, 3), chunked(snapshot(5, 2, 3, 10), true))) {
            manifest = Backups.take(admin, "kv-1", store.url(), storage, 5);
        }

        assertThat(abandoned).doesNotExist();
        assertThat(Backups.manifest(storage, manifest.name()).offset()).as("the backup itself").isEqualTo(5);
    }

    @Test
    void an_unfinished_s3_upload_older_than_the_cutoff_is_aborted_and_another_locations_kept()
            throws Exception {
        try (S3Server s3 = new S3Server()) {
            var client = s3.client();
            client.createBucket(b -> b.bucket("kv-backups"));
            String killed = unfinishedUpload(client, "cluster-a/kv-20261205-010203-1-5-abcdef.snapshot");
            String below = unfinishedUpload(client, "cluster-a/older/kv-20261205-010203-1-5-abcdef.snapshot");
            BackupStorage storage = BackupStorage.at("s3://kv-backups/cluster-a", s3.endpoint, null);

            assertThat(openUploads(client)).containsExactlyInAnyOrder(killed, below);

            // moto says every upload began on 2010-11-10 (a fixed date in its answer): old enough for any cutoff
            var removed = storage.removeAbandoned(Instant.now().minus(Backups.ABANDONED_AFTER));

            assertThat(removed).singleElement().asString().contains("kv-20261205-010203-1-5-abcdef.snapshot");
            assertThat(openUploads(client)).as("the upload of the location below is that location's").containsExactly(below);
        }
    }

    @Test
    void an_s3_upload_begun_after_the_cutoff_or_of_a_location_below_is_not_abandoned() {
        Instant cutoff = Instant.parse("2026-12-06T00:00:00Z");
        assertThat(S3Storage.abandonedHere("kv-1.snapshot", cutoff.minusSeconds(1), cutoff)).isTrue();
        assertThat(S3Storage.abandonedHere("kv-1.snapshot", cutoff, cutoff)).isFalse();
        assertThat(S3Storage.abandonedHere("kv-1.snapshot", cutoff.plusSeconds(3600), cutoff)).isFalse();
        assertThat(S3Storage.abandonedHere("older/kv-1.snapshot", cutoff.minusSeconds(1), cutoff)).isFalse();
        assertThat(S3Storage.abandonedHere("kv-1.snapshot", null, cutoff)).as("no time given: kept").isFalse();
        assertThat(S3Storage.abandonedHere("photos/holiday.zip", cutoff.minusSeconds(1), cutoff)).isFalse();
        assertThat(S3Storage.abandonedHere("holiday.zip", cutoff.minusSeconds(1), cutoff)).as("another program's").isFalse();
        for (String own : new String[] {"kv-20261205-010203-1-5-abcdef.snapshot", "kv-20261205-010203-1-5-abcdef.json",
                "kvlog-00000000000000000001-00000000000000000009-2-1765000000000.kvlog", "kvlog.head",
                "restore-0f9e8d7c-1234-4a5b-8c9d-0123456789ab.kvlog-bundle"}) {
            assertThat(S3Storage.abandonedHere(own, cutoff.minusSeconds(1), cutoff)).as(own).isTrue();
        }
    }

    private static String unfinishedUpload(software.amazon.awssdk.services.s3.S3Client client, String key) {
        String upload = client.createMultipartUpload(b -> b.bucket("kv-backups").key(key)).uploadId();
        client.uploadPart(b -> b.bucket("kv-backups").key(key).uploadId(upload).partNumber(1),
                RequestBody.fromBytes(new byte[1024]));
        return upload;
    }

    private static java.util.List<String> openUploads(software.amazon.awssdk.services.s3.S3Client client) {
        return client.listMultipartUploads(b -> b.bucket("kv-backups")).uploads().stream()
                .map(software.amazon.awssdk.services.s3.model.MultipartUpload::uploadId).toList();
    }
}
