package dev.kvstore.backup;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where backups are kept: a directory, or a bucket of S3-compatible object storage. Each backup is two
 * objects: its snapshot, written whole or not at all, and its manifest, written after it. What a backup
 * means (which store, which offset, the checksum) is {@link Backups}'s; this only keeps bytes.
 */
public interface BackupStorage extends AutoCloseable {

    /** Stores {@code name} from a stream of unknown length, whole or not at all; answers its size in bytes. */
    long write(String name, InputStream content) throws IOException;

    /** Stores a small object whole (a manifest). */
    void writeSmall(String name, byte[] content) throws IOException;

    byte[] readSmall(String name) throws IOException;

    /** Copies {@code name} into the local file {@code to}. */
    void download(String name, Path to) throws IOException;

    /** Reads {@code name} as a stream (the caller closes it). */
    InputStream open(String name) throws IOException;

    /** Removes {@code name}; nothing when it is not there. */
    void delete(String name) throws IOException;

    /** The names of the objects whose name ends with {@code suffix}. */
    List<String> list(String suffix) throws IOException;

    /**
     * Removes what writes begun before {@code before} left behind when the process writing was killed outright
     * (SIGKILL, the OOM killer, a power cut: a write that fails or is stopped cleans up after itself): an S3
     * multipart upload never completed nor aborted, whose parts the bucket keeps and bills; a directory's part file.
     * Answers what was removed, for the log.
     */
    List<String> removeAbandoned(java.time.Instant before) throws IOException;

    /**
     * Whether {@code name} is one this project writes into a backup location (a backup's snapshot or manifest, an
     * archived log segment, the archive's head, a restore's log bundle): only those are ever removed as abandoned,
     * never another program's files or uploads sharing the location.
     */
    static boolean ownName(String name) {
        return name.matches("(kv-|kvlog[.-]|restore-)[A-Za-z0-9._-]+"); // rarely called: compiled each time
    }

    /**
     * An address that lets whoever holds it download {@code name} without credentials, until {@code validFor} has
     * passed (S3's presigned GET; at most 7 days). For a store to fetch a backup with nothing but curl.
     */
    default URI presignedGet(String name, java.time.Duration validFor) throws IOException {
        throw new IOException("only backups in S3-compatible object storage can be fetched by address: " + describe(name));
    }

    /** Lets go of connections and threads (an S3 client's); a directory has none. */
    @Override
    default void close() {
    }

    /** Where {@code name} is, for messages. */
    String describe(String name);

    /**
     * {@code s3://bucket/prefix} (the endpoint and region given, credentials from the SDK's usual places:
     * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, ...) or a directory.
     */
    static BackupStorage at(String location, String s3Endpoint, String s3Region) throws IOException {
        if (location.startsWith("s3://")) {
            URI uri = URI.create(location);
            String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "").replaceAll("/+$", "");
            return new S3Storage(new S3Location(uri.getHost(), prefix, s3Endpoint, s3Region, null, null));
        }
        return new DirectoryStorage(Path.of(location));
    }

    /** A bucket of S3-compatible object storage, with credentials and a CA given rather than found. */
    static BackupStorage s3(S3Location location) {
        return new S3Storage(location);
    }
}
