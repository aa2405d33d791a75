package dev.kvstore.store.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The last commit point this node heard of, so that after a restart it shows the committed data
 * at once. Only a hint: losing it hides nothing for long (the primary resends its commit point).
 * A background thread overwrites 8 bytes in place every 100 ms, never forced: no new file, no
 * rename and no size change, because any of those would put a journal commit in the way of the
 * log's next fsync.
 */
final class CommitHint implements AutoCloseable {

    private final FileChannel channel;
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("commit-hint"));
    private volatile long latest;
    private long written;

    CommitHint(Path dir) throws IOException {
        this.channel = FileChannel.open(dir.resolve("commit-hint"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (channel.size() < 8) {
            channel.write(ByteBuffer.allocate(8), 0);
        }
        writer.scheduleWithFixedDelay(this::flush, 100, 100, TimeUnit.MILLISECONDS);
    }

    long read() {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(8);
            channel.read(buffer, 0);
            long value = buffer.flip().remaining() == 8 ? buffer.getLong() : 0;
            return Math.max(0, value);
        } catch (IOException e) {
            return 0;
        }
    }

    void remember(long commit) {
        latest = commit;
    }

    synchronized void flush() {
        long value = latest;
        if (value == written || !channel.isOpen()) {
            return;
        }
        try {
            channel.write(ByteBuffer.allocate(8).putLong(0, value), 0);
            written = value;
        } catch (IOException e) {
            // a hint; the next round tries again
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
        flush();
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
