package dev.kvstore.store.node;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The highest epoch this store has seen, kept on disk so that a restart cannot forget a fence.
 * Written to a temporary file that replaces the old one durably ({@link DurableFiles#replace}).
 */
public final class PersistentEpoch {

    private final Path file;
    private final DurableFiles files;
    private volatile long epoch;

    public PersistentEpoch(Path dir, DiskSync disk) throws IOException {
        this.files = new DurableFiles(disk);
        files.createDirectories(dir);
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
        try {
            Files.writeString(tmp, Long.toString(newEpoch), StandardCharsets.UTF_8);
            files.replace(tmp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist epoch " + newEpoch, e);
        }
        epoch = newEpoch;
        return epoch;
    }
}
