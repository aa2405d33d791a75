package dev.kvstore.store.log;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a divergent log suffix goes when a former primary rejoins: those writes were never
 * acknowledged and the new primary lacks them, so they must leave the log, but an operator may
 * still want to look at them. One file per truncation, in the log's own format.
 */
public final class Quarantine {

    private final Path dir;
    private final AtomicLong entries = new AtomicLong();
    private final DurableFiles files;

    public Quarantine(Path dir, int maxEntryBytes, DiskSync disk) throws IOException {
        this.dir = dir;
        this.files = new DurableFiles(disk);
        files.createDirectories(dir);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log")) {
            for (Path file : files) {
                entries.addAndGet(count(file, maxEntryBytes));
            }
        }
    }

    private static long count(Path file, int maxEntryBytes) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file));
        long n = 0;
        while (all.hasRemaining()) {
            try {
                LogEntryCodec.decode(all, maxEntryBytes);
                n++;
            } catch (CorruptEntryException e) {
                break;
            }
        }
        return n;
    }

    /** Writes the entries durably to a new quarantine file before the caller cuts them from the log. */
    public Path keep(List<LogEntry> suffix, long currentEpoch) throws IOException {
        Path file = dir.resolve("epoch-" + currentEpoch + "-from-" + suffix.get(0).offset() + "-"
                + System.currentTimeMillis() + ".log");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (LogEntry entry : suffix) {
                ByteBuffer buffer = ByteBuffer.wrap(LogEntryCodec.encode(entry));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            // the file and its name: a quarantine that vanishes after a power loss would lose the only copy
            files.created(out, file);
        }
        entries.addAndGet(suffix.size());
        return file;
    }

    public long entries() {
        return entries.get();
    }
}
