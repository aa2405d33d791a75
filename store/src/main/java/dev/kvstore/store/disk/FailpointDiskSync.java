package dev.kvstore.store.disk;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fault injection for tests of real store processes ({@code kv.failpoint-fsync-error-file}): while
 * the trigger file exists, every force fails as a dying disk's would. Off unless configured.
 */
public final class FailpointDiskSync implements DiskSync {

    private final DiskSync delegate;
    private final Path trigger;

    public FailpointDiskSync(DiskSync delegate, Path trigger) {
        this.delegate = delegate;
        this.trigger = trigger;
    }

    private void failIfTriggered() throws IOException {
        if (Files.exists(trigger)) {
            throw new IOException("Input/output error (failpoint: " + trigger + " exists)");
        }
    }

    @Override
    public void force(FileChannel channel, boolean metadata) throws IOException {
        failIfTriggered();
        delegate.force(channel, metadata);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        failIfTriggered();
        delegate.forceDirectory(dir);
    }
}
