package dev.kvstore.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kvstore.core.admin.AdminClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Backups of a cluster's stores into a {@link BackupStorage}: a store's snapshot of its applied data
 * ({@code GET /v1/admin/backup}) as {@code <name>.snapshot}, then its manifest {@code <name>.json} (what it
 * covers, its size and SHA-256), written last. A backup whose stream or upload was cut has no manifest and
 * leaves no snapshot object, so it is never listed or restored as complete.
 */
public final class Backups {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    public static final String MANIFEST = ".json";
    public static final String SNAPSHOT = ".snapshot";
    /** What kv backup names a backup: only these characters, so a name read from a manifest is a file name. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("kv-[A-Za-z0-9-]{1,100}");

    /** What a backup holds and where, as its manifest says. */
    public record Manifest(String name, String store, long offset, long epoch, long keys, long bytes, String sha256,
                           String started, String finished, String snapshot) {
    }

    private Backups() {
    }

    /**
     * Streams a backup from the store whose admin API is at {@code adminUrl} into {@code storage}. The backup must
     * cover at least {@code atLeastOffset} (what that store had applied when it was chosen): a store that lost its
     * data meanwhile (it started over empty after a divergence) would otherwise give an old or empty backup.
     */
    public static Manifest take(AdminClient admin, String store, String adminUrl, BackupStorage storage,
                                long atLeastOffset) throws IOException {
        Instant started = Instant.now();
        Manifest result;
        try (AdminClient.BackupStream backup = admin.openBackup(adminUrl)) {
            if (backup.offset() < atLeastOffset) {
                throw new IOException("the backup " + store + " offered ends at offset " + backup.offset() + ", before the"
                        + " " + atLeastOffset + " it had applied when chosen (it lost its data meanwhile); nothing kept");
            }
            // the stamp, what it covers, and a random part: two backups in the same second are two names
            String name = "kv-" + STAMP.format(started) + "-" + backup.epoch() + "-" + backup.offset() + "-"
                    + HexFormat.of().formatHex(randomBytes(3));
            String snapshot = name + SNAPSHOT;
            MessageDigest sha = sha256();
            long bytes;
            ChecksummedSnapshot checked = new ChecksummedSnapshot(backup.body(),
                    new ChecksummedSnapshot.Covers(backup.offset(), backup.epoch()));
            try (InputStream in = new DigestInputStream(checked, sha)) {
                bytes = storage.write(snapshot, in);
            } catch (IOException cut) {
                throw new IOException("the backup from " + store + " was cut; nothing kept: " + cut.getMessage(), cut);
            }
            Manifest manifest = new Manifest(name, store, checked.covers().offset(), checked.covers().epoch(),
                    backup.keys(), bytes, HexFormat.of().formatHex(sha.digest()), started.toString(),
                    Instant.now().toString(), snapshot);
            // the manifest last: a backup is listed, and restorable, only once its snapshot is whole where it is kept
            storage.writeSmall(name + MANIFEST, (JSON.writeValueAsString(manifest) + "\n").getBytes(StandardCharsets.UTF_8));
            result = manifest;
        }
        // the store's stream closed first: the housekeeping below may take a while on a large bucket
        removeAbandoned(storage, started);
        return result;
    }

    /**
     * How old an unfinished write must be before a backup removes it as abandoned: older than any backup or archive
     * round takes, so that one still being written (by another process, into the same location) is not touched. An
     * S3 upload is aged from its start, not its last part: one that ran for more than a day would be aborted (and
     * fail whole, as any cut upload does).
     */
    static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofDays(1);

    /**
     * The location's housekeeping after each backup: what a writer killed outright left there (an unfinished
     * upload, a part file) is removed once it is {@link #ABANDONED_AFTER} old. Without it, a backup cut by a
     * SIGKILL would keep its parts in the bucket, billed and unlisted, until a lifecycle rule (if any) expired
     * them. A failure here does not fail the backup, which is whole.
     */
    private static void removeAbandoned(BackupStorage storage, Instant now) {
        try {
            for (String removed : storage.removeAbandoned(now.minus(ABANDONED_AFTER))) {
                System.err.println("removed " + removed + ", abandoned by a writer that was killed");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not look for abandoned uploads in " + storage.describe("") + ": " + e.getMessage());
        }
    }

    /** The manifest of the backup {@code name} ({@code <name>.json}, or its name alone). */
    public static Manifest manifest(BackupStorage storage, String name) throws IOException {
        String manifestName = name.endsWith(MANIFEST) ? name : name + MANIFEST;
        byte[] bytes;
        try {
            bytes = storage.readSmall(manifestName);
        } catch (IOException absent) {
            throw new IOException("no backup manifest at " + storage.describe(manifestName) + " (a backup is complete "
                    + "only once its manifest is written; kv backup writes it last): " + absent.getMessage(), absent);
        }
        Manifest manifest;
        try {
            manifest = JSON.readValue(bytes, Manifest.class);
        } catch (IOException unreadable) {
            throw new IOException("the backup manifest " + storage.describe(manifestName) + " is not one kv backup wrote: "
                    + unreadable.getMessage(), unreadable);
        }
        // its snapshot's name becomes a local path at restore: nothing but the name kv backup gives it
        if (manifest.name() == null || !NAME.matcher(manifest.name()).matches()
                || !(manifest.name() + SNAPSHOT).equals(manifest.snapshot())) {
            throw new IOException("the backup manifest " + storage.describe(manifestName) + " names its snapshot "
                    + manifest.snapshot() + " (backup " + manifest.name() + "); kv backup names it <name>" + SNAPSHOT
                    + ", with a name like kv-20261205-101500-3-1200-a1b2c3. Nothing was restored");
        }
        return manifest;
    }

    /**
     * Fetches the backup's snapshot into {@code localDir} and checks it against the manifest's size and SHA-256:
     * a damaged or partial file is refused before any store sees it. Answers the local copy.
     */
    public static Path fetchChecked(BackupStorage storage, Manifest manifest, Path localDir) throws IOException {
        Files.createDirectories(localDir);
        Path local = localDir.resolve(manifest.snapshot());
        try {
            storage.download(manifest.snapshot(), local);
        } catch (IOException absent) {
            throw new IOException("the backup " + manifest.name() + " has no snapshot at "
                    + storage.describe(manifest.snapshot()) + ": " + absent.getMessage(), absent);
        }
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        long size = Files.size(local);
        if (size != manifest.bytes() || !actual.equals(manifest.sha256())) {
            Files.delete(local);
            throw new IOException("the backup " + manifest.name() + " is damaged: " + storage.describe(manifest.snapshot())
                    + " has " + size + " bytes, SHA-256 " + actual + "; its manifest says " + manifest.bytes() + " bytes, "
                    + manifest.sha256() + ". Nothing was restored");
        }
        return local.toAbsolutePath();
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new java.security.SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
