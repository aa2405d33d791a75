package dev.kvstore.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The segments a {@link RestorePlan} names, one after the other: what a store replays. Fetched into a local file
 * ({@code kv local}), or written as one object beside them ({@link #bundle}, for pods that fetch it by address).
 */
public final class ArchivedLogs {

    /** What a bundle holds: its object's name, size and SHA-256. */
    public record Bundle(String name, long bytes, String sha256) {
    }

    private ArchivedLogs() {
    }

    /**
     * Writes the segments into the one object {@code name} of the same storage, streamed (nothing held whole):
     * what a restore's init container fetches with a single address.
     */
    public static Bundle bundle(BackupStorage storage, List<ArchiveSegment> segments, String name) throws IOException {
        java.security.MessageDigest sha;
        try {
            sha = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        java.util.Iterator<ArchiveSegment> next = segments.iterator();
        java.io.InputStream joined = new java.io.SequenceInputStream(new java.util.Enumeration<>() {
            @Override
            public boolean hasMoreElements() {
                return next.hasNext();
            }

            @Override
            public java.io.InputStream nextElement() {
                String segment = next.next().name();
                try {
                    return storage.open(segment);
                } catch (IOException absent) {
                    throw new java.io.UncheckedIOException(absent);
                }
            }
        });
        long bytes;
        try (java.io.InputStream in = new java.security.DigestInputStream(joined, sha)) {
            bytes = storage.write(name, in);
        } catch (java.io.UncheckedIOException absent) {
            throw new IOException("an archived segment cannot be read: " + absent.getCause().getMessage(), absent.getCause());
        }
        return new Bundle(name, bytes, java.util.HexFormat.of().formatHex(sha.digest()));
    }

    public static Path fetch(BackupStorage storage, List<ArchiveSegment> segments, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try (OutputStream out = Files.newOutputStream(part)) {
            for (ArchiveSegment segment : segments) {
                try (java.io.InputStream in = storage.open(segment.name())) {
                    in.transferTo(out);
                } catch (IOException absent) {
                    throw new IOException("the archived segment " + storage.describe(segment.name()) + " cannot be read: "
                            + absent.getMessage(), absent);
                }
            }
        }
        Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file.toAbsolutePath();
    }
}
