package dev.kvstore.store.disk;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Tests only ({@code kv.failpoint-skip-directory-force}): the directory-force fix reverted. Files are
 * forced, their directories never are, so a rename or a new file may not survive a power loss; the
 * power-loss tests use it to show that their cut would catch that.
 */
public final class SkippedDirectoryForce implements DiskSync {

    private final DiskSync delegate;

    public SkippedDirectoryForce(DiskSync delegate) {
        this.delegate = delegate;
    }

    @Override
    public void force(FileChannel channel, boolean metadata) throws IOException {
        delegate.force(channel, metadata);
    }

    @Override
    public void forceDirectory(Path dir) {
        // skipped: the failpoint
    }
}
