package dev.kvstore.core.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The one way this project creates, replaces and moves files that a restart depends on. A rename
 * or a new file is only a change to its directory, and a directory entry that was never forced can
 * be gone after a power loss even though the file's bytes were forced: the old log comes back
 * after a compaction, a quarantine file vanishes. So each operation here forces the file first,
 * then changes the directory, then forces the directory.
 */
public final class DurableFiles {

    private final DiskSync sync;

    public DurableFiles(DiskSync sync) {
        this.sync = sync;
    }

    public DiskSync sync() {
        return sync;
    }

    /**
     * Atomically puts {@code complete} (fully written, not yet forced) in place of {@code target}:
     * force its bytes, rename, force the directory. A crash leaves the old file or the new one.
     */
    public void replace(Path complete, Path target) throws IOException {
        try (FileChannel channel = FileChannel.open(complete, StandardOpenOption.WRITE)) {
            sync.force(channel, true);
        }
        Files.move(complete, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        sync.forceDirectory(parentOf(target));
    }

    /** Makes a file that was just created and written survive: its bytes, then its directory entry. */
    public void created(FileChannel written, Path file) throws IOException {
        sync.force(written, true);
        sync.forceDirectory(parentOf(file));
    }

    /** Moves a file (a rename, or a move into another directory), durably in both directories. */
    public void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        sync.forceDirectory(parentOf(to));
        Path fromDir = parentOf(from);
        if (!fromDir.equals(parentOf(to))) {
            sync.forceDirectory(fromDir);
        }
    }

    /** Creates a directory (and its parents) so that it survives: each new level's parent is forced. */
    public void createDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        Path parent = absolute.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(absolute);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return; // made meanwhile by another caller, who forces it
        }
        if (parent != null) {
            sync.forceDirectory(parent);
        }
    }

    private static Path parentOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException(file + " has no directory");
        }
        return parent;
    }
}
