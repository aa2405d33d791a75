package dev.kvstore.store.snapshot;

import dev.kvstore.store.disk.EventLoopGuard;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a snapshot file in chunks for a secondary, from the file it was opened on: a newer snapshot
 * renamed into place meanwhile does not change what this one sends. Blocking: call it off event loops.
 */
public final class SnapshotReader implements Closeable {

    private final FileChannel channel;
    private final long size;
    private final long lastIncludedOffset;

    private SnapshotReader(FileChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(16);
        while (header.hasRemaining()) {
            if (channel.read(header, header.position()) < 0) {
                throw new IOException("snapshot shorter than its header");
            }
        }
        this.lastIncludedOffset = header.getLong(8);
    }

    public static SnapshotReader open(Path file) throws IOException {
        EventLoopGuard.diskWork("opening snapshot " + file);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SnapshotReader(channel);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    public long size() {
        return size;
    }

    public long lastIncludedOffset() {
        return lastIncludedOffset;
    }

    /** Up to {@code max} bytes from {@code position}. */
    public byte[] read(long position, int max) throws IOException {
        EventLoopGuard.diskWork("reading a snapshot chunk");
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(max, size - position));
        while (chunk.hasRemaining()) {
            if (channel.read(chunk, position + chunk.position()) < 0) {
                throw new IOException("snapshot ended early at " + (position + chunk.position()));
            }
        }
        return chunk.array();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
