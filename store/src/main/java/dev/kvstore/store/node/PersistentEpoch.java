package dev.kvstore.store.node;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.disk.DurableValueFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The highest epoch this store has seen, kept on disk so that a restart cannot forget a fence. */
public final class PersistentEpoch {

    private final DurableValueFile file;
    private volatile long epoch;

    public PersistentEpoch(Path dir, DiskSync disk) throws IOException {
        DurableFiles files = new DurableFiles(disk);
        files.createDirectories(dir);
        this.file = new DurableValueFile(dir.resolve("epoch"), files);
        this.epoch = Long.parseLong(file.read("0"));
    }

    public long get() {
        return epoch;
    }

    /** Raises the epoch (never lowers it) and returns the epoch now in force. */
    public synchronized long raiseTo(long newEpoch) {
        if (newEpoch <= epoch) {
            return epoch;
        }
        try {
            file.write(Long.toString(newEpoch));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist epoch " + newEpoch, e);
        }
        epoch = newEpoch;
        return epoch;
    }
}
