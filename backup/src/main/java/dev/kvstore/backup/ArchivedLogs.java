package dev.kvstore.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The segments a {@link RestorePlan} names, fetched into one local file in order: what a store replays. */
public final class ArchivedLogs {

    private ArchivedLogs() {
    }

    public static Path fetch(BackupStorage storage, List<ArchiveSegment> segments, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try (OutputStream out = Files.newOutputStream(part)) {
            for (ArchiveSegment segment : segments) {
                Path one = file.resolveSibling(segment.name());
                try {
                    storage.download(segment.name(), one);
                } catch (IOException absent) {
                    throw new IOException("the archived segment " + storage.describe(segment.name()) + " cannot be read: "
                            + absent.getMessage(), absent);
                }
                Files.copy(one, out);
                Files.delete(one);
            }
        }
        Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file.toAbsolutePath();
    }
}
