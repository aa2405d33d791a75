package dev.kvstore.cli.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Backups of a local cluster into a directory: a store's snapshot of its applied data ({@code GET
 * /v1/admin/backup}) as {@code <name>.snapshot}, then its manifest {@code <name>.json} (what it covers, its
 * size and SHA-256), written last, each forced. A backup whose stream was cut has no manifest, so it is never
 * listed or restored as complete; its part file is removed.
 */
public final class LocalBackups {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** What a backup holds and where, as its manifest says. */
    public record Manifest(String name, String store, long offset, long epoch, long keys, long bytes, String sha256,
                           String started, String finished, String snapshot) {
    }

    private LocalBackups() {
    }

    /** Streams a backup from the store whose admin API is at {@code adminUrl} into {@code target}. */
    public static Manifest take(AdminClient admin, String store, String adminUrl, Path target) throws IOException {
        Files.createDirectories(target);
        Instant started = Instant.now();
        try (AdminClient.BackupStream backup = admin.openBackup(adminUrl)) {
            String name = "kv-" + STAMP.format(started) + "-" + backup.epoch() + "-" + backup.offset();
            Path snapshot = target.resolve(name + ".snapshot");
            Path part = target.resolve(name + ".snapshot.part");
            MessageDigest sha = sha256();
            long bytes = 0;
            try (FileChannel file = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                InputStream in = backup.body();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    sha.update(buffer, 0, n);
                    bytes += n;
                }
                DiskSync.SYSTEM.force(file, true);
            } catch (IOException cut) {
                Files.deleteIfExists(part);
                throw new IOException("the backup from " + store + " was cut after " + bytes + " bytes; nothing kept: "
                        + cut.getMessage(), cut);
            }
            Files.move(part, snapshot, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Manifest manifest = new Manifest(name, store, backup.offset(), backup.epoch(), backup.keys(), bytes,
                    HexFormat.of().formatHex(sha.digest()), started.toString(), Instant.now().toString(),
                    snapshot.getFileName().toString());
            // the manifest last: a backup is listed, and restorable, only once its snapshot is whole on disk
            PrivateFiles.write(target.resolve(name + ".json"), JSON.writeValueAsString(manifest) + "\n");
            return manifest;
        }
    }

    /**
     * The snapshot a backup names (a manifest, or a snapshot file beside its manifest), checked against the
     * manifest's size and SHA-256: a damaged or partial file is refused before any store sees it.
     */
    public static Path checkedSnapshot(Path backup) throws IOException {
        Path manifestFile = backup.toString().endsWith(".snapshot")
                ? backup.resolveSibling(backup.getFileName().toString().replaceAll("\\.snapshot$", ".json")) : backup;
        if (!Files.isRegularFile(manifestFile)) {
            throw new IOException("no backup manifest at " + manifestFile + " (a backup is complete only once its "
                    + "manifest is written; kv backup writes it last)");
        }
        Manifest manifest = JSON.readValue(manifestFile.toFile(), Manifest.class);
        Path snapshot = manifestFile.resolveSibling(manifest.snapshot());
        if (!Files.isRegularFile(snapshot)) {
            throw new IOException("the backup " + manifest.name() + " has no snapshot file at " + snapshot);
        }
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(snapshot)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (Files.size(snapshot) != manifest.bytes() || !actual.equals(manifest.sha256())) {
            throw new IOException("the backup " + manifest.name() + " is damaged: " + snapshot + " has "
                    + Files.size(snapshot) + " bytes, SHA-256 " + actual + "; its manifest says " + manifest.bytes()
                    + " bytes, " + manifest.sha256() + ". Nothing was restored");
        }
        return snapshot.toAbsolutePath();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
