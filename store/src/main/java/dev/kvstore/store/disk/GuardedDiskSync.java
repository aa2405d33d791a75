package dev.kvstore.store.disk;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** A {@link DiskSync} that reports every call made on an event loop to {@link EventLoopGuard}. */
public final class GuardedDiskSync implements DiskSync {

    private final DiskSync delegate;

    public GuardedDiskSync(DiskSync delegate) {
        this.delegate = delegate;
    }

    /** The system's fsync, guarded. */
    public static DiskSync system() {
        return new GuardedDiskSync(DiskSync.SYSTEM);
    }

    @Override
    public void force(FileChannel channel, boolean metadata) throws IOException {
        EventLoopGuard.diskWork("fsync of a file");
        delegate.force(channel, metadata);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        EventLoopGuard.diskWork("fsync of directory " + dir);
        delegate.forceDirectory(dir);
    }
}
