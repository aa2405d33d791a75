package dev.kvstore.store.node;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The highest epoch this store has seen, kept on disk so that a restart cannot forget a fence.
 * Written to a temporary file, forced, then renamed over the old one.
 */
public final class PersistentEpoch {

    private final Path file;
    private final DiskSync disk;
    private volatile long epoch;

    public PersistentEpoch(Path dir, DiskSync disk) throws IOException {
        this.disk = disk;
        Files.createDirectories(dir);
        this.file = dir.resolve("epoch");
        this.epoch = Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
    }

    public long get() {
        return epoch;
    }

    /** Raises the epoch (never lowers it) and returns the epoch now in force. */
    public synchronized long raiseTo(long newEpoch) {
        if (newEpoch <= epoch) {
            return epoch;
        }
        Path tmp = file.resolveSibling("epoch.tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(java.nio.ByteBuffer.wrap(Long.toString(newEpoch).getBytes(StandardCharsets.UTF_8)));
            disk.force(out, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist epoch " + newEpoch, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            disk.forceDirectory(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist epoch " + newEpoch, e);
        }
        epoch = newEpoch;
        return epoch;
    }
}
