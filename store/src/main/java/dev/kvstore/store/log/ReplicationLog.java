package dev.kvstore.store.log;

import dev.kvstore.core.Position;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * The append-only log on disk, with group commit. Appends go to the page cache under a lock; one
 * flusher thread forces the file and then tells listeners how far the log is durable, so every
 * write that arrived during an fsync shares the next one.
 *
 * <p>On open, a torn or corrupt tail (a crash in the middle of a write) is cut off: such entries
 * were never durable, so never acknowledged.
 */
public final class ReplicationLog implements Closeable {

    private static final Logger LOG = Logger.getLogger(ReplicationLog.class);
    private static final int RECENT_CACHE = 65_536;

    private final Path file;
    private final FileChannel channel;
    private final FsyncPolicy policy;
    private final int maxEntryBytes;
    private final Object lock = new Object();
    private final List<LongConsumer> durabilityListeners = new CopyOnWriteArrayList<>();
    private final Thread flusher;

    // guarded by lock
    private long[] filePositions = new long[1024]; // filePositions[i] = where offset i+1 starts
    private long lastOffset;
    private long writtenBytes; // logical end of the log, pending bytes included
    private long flushedBytes; // bytes handed to the file
    private java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream(64 * 1024);
    private EpochHistory history = EpochHistory.EMPTY;
    private final LogEntry[] recent = new LogEntry[RECENT_CACHE];
    private volatile long durableOffset;
    private boolean flusherWaiting; // guarded by lock: wake the flusher only when it sleeps
    private volatile boolean closed;

    public ReplicationLog(Path dir, FsyncPolicy policy, int maxEntryBytes) throws IOException {
        Files.createDirectories(dir);
        this.file = dir.resolve("replication.log");
        this.policy = policy;
        this.maxEntryBytes = maxEntryBytes;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        recover();
        this.durableOffset = lastOffset;
        this.flusher = new Thread(this::flushLoop, "log-flusher");
        this.flusher.setDaemon(true);
        this.flusher.start();
    }

    private void recover() throws IOException {
        long size = channel.size();
        long position = 0;
        ByteBuffer header = ByteBuffer.allocate(LogEntryCodec.HEADER_BYTES);
        while (position + LogEntryCodec.HEADER_BYTES <= size) {
            header.clear();
            channel.read(header, position);
            int bodyLength = header.getInt(0);
            if (bodyLength <= 0 || bodyLength > maxEntryBytes || position + LogEntryCodec.HEADER_BYTES + bodyLength > size) {
                break;
            }
            ByteBuffer whole = ByteBuffer.allocate(LogEntryCodec.HEADER_BYTES + bodyLength);
            channel.read(whole, position);
            whole.flip();
            LogEntry entry;
            try {
                entry = LogEntryCodec.decode(whole, maxEntryBytes);
            } catch (CorruptEntryException e) {
                break;
            }
            if (entry.offset() != lastOffset + 1) {
                break;
            }
            remember(entry, position);
            position += whole.limit();
        }
        if (position < size) {
            LOG.warnf("cutting %d bytes of torn or corrupt log tail after offset %d", size - position, lastOffset);
            channel.truncate(position);
            channel.force(true);
        }
        writtenBytes = position;
        flushedBytes = position;
    }

    private void remember(LogEntry entry, long filePosition) {
        int index = (int) (entry.offset() - 1);
        if (index >= filePositions.length) {
            filePositions = Arrays.copyOf(filePositions, filePositions.length * 2);
        }
        filePositions[index] = filePosition;
        lastOffset = entry.offset();
        history = history.withEntry(entry.epoch(), entry.offset());
        recent[(int) (entry.offset() % RECENT_CACHE)] = entry;
    }

    /** Appends a new entry at the next offset (primary). Returns it with its offset. */
    public LogEntry appendNext(LogEntry withoutOffset) {
        synchronized (lock) {
            LogEntry entry = withoutOffset.at(lastOffset + 1);
            write(entry);
            return entry;
        }
    }

    /** Appends entries received from the primary; they must continue this log exactly. */
    public void appendReplicated(List<LogEntry> entries) {
        synchronized (lock) {
            for (LogEntry entry : entries) {
                if (entry.offset() != lastOffset + 1) {
                    throw new IllegalStateException("entry " + entry + " does not follow offset " + lastOffset);
                }
                if (entry.epoch() < history.lastEpoch()) {
                    throw new IllegalStateException("entry " + entry + " is older than epoch " + history.lastEpoch());
                }
                write(entry);
            }
        }
    }

    /**
     * Encodes the entry into the pending buffer; the flusher writes the whole buffer with one
     * system call before its fsync, so a group of appends costs one write and one fsync.
     */
    private void write(LogEntry entry) {
        byte[] bytes = LogEntryCodec.encode(entry);
        pending.write(bytes, 0, bytes.length);
        remember(entry, writtenBytes);
        writtenBytes += bytes.length;
        if (flusherWaiting) {
            lock.notifyAll();
        }
    }

    /** Hands the pending bytes to the file. Caller holds the lock. */
    private void flushPendingLocked() {
        if (pending.size() == 0) {
            return;
        }
        ByteBuffer buffer = ByteBuffer.wrap(pending.toByteArray());
        try {
            long position = flushedBytes;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            flushedBytes = position;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        pending = new java.io.ByteArrayOutputStream(Math.max(64 * 1024, pending.size()));
    }

    private void flushLoop() {
        long lastForce = System.nanoTime();
        while (!closed) {
            long target;
            synchronized (lock) {
                while (!closed && lastOffset == durableOffset) {
                    flusherWaiting = true;
                    try {
                        lock.wait(policy == FsyncPolicy.EVERY_SECOND ? 1000 : 0);
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        flusherWaiting = false;
                    }
                    if (policy == FsyncPolicy.EVERY_SECOND && System.nanoTime() - lastForce > 1_000_000_000L) {
                        break;
                    }
                }
                target = lastOffset;
                try {
                    flushPendingLocked();
                } catch (UncheckedIOException e) {
                    LOG.error("writing the log failed; stopping acknowledgements", e);
                    return;
                }
            }
            try {
                if (policy == FsyncPolicy.ALWAYS || System.nanoTime() - lastForce > 1_000_000_000L) {
                    channel.force(false);
                    lastForce = System.nanoTime();
                }
            } catch (IOException e) {
                if (!closed) {
                    LOG.error("fsync of the log failed; stopping acknowledgements", e);
                }
                return;
            }
            if (target > durableOffset) {
                durableOffset = target;
                for (LongConsumer listener : durabilityListeners) {
                    listener.accept(target);
                }
            }
        }
    }

    /** Called with the new durable offset after each group commit, on the flusher thread. */
    public void onDurable(LongConsumer listener) {
        durabilityListeners.add(listener);
    }

    public long durableOffset() {
        return durableOffset;
    }

    public long lastOffset() {
        synchronized (lock) {
            return lastOffset;
        }
    }

    public Position lastPosition() {
        synchronized (lock) {
            return new Position(history.epochAt(lastOffset), lastOffset);
        }
    }

    public EpochHistory history() {
        synchronized (lock) {
            return history;
        }
    }

    /** Up to {@code max} entries starting at {@code from}, fewer when the log ends first. */
    public List<LogEntry> read(long from, int max) {
        synchronized (lock) {
            List<LogEntry> out = new ArrayList<>();
            for (long offset = from; offset <= lastOffset && out.size() < max; offset++) {
                out.add(entryAt(offset));
            }
            return out;
        }
    }

    private LogEntry entryAt(long offset) {
        LogEntry cached = recent[(int) (offset % RECENT_CACHE)];
        if (cached != null && cached.offset() == offset) {
            return cached;
        }
        long start = filePositions[(int) (offset - 1)];
        long end = offset == lastOffset ? writtenBytes : filePositions[(int) offset];
        if (end > flushedBytes) {
            flushPendingLocked();
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) (end - start));
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, start + buffer.position()) < 0) {
                    throw new IOException("unexpected end of log at offset " + offset);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        buffer.flip();
        return LogEntryCodec.decode(buffer, maxEntryBytes);
    }

    /**
     * Cuts the log after {@code lastKept} and returns what was cut, so the caller can keep it in
     * quarantine. Used when a rejoining node holds a suffix the current primary does not.
     */
    public List<LogEntry> truncateAfter(long lastKept) {
        synchronized (lock) {
            if (lastKept >= lastOffset) {
                return List.of();
            }
            List<LogEntry> removed = read(lastKept + 1, Integer.MAX_VALUE);
            flushPendingLocked();
            long cut = filePositions[(int) lastKept];
            try {
                channel.truncate(cut);
                channel.force(true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot truncate " + file, e);
            }
            for (LogEntry entry : removed) {
                recent[(int) (entry.offset() % RECENT_CACHE)] = null;
            }
            writtenBytes = cut;
            flushedBytes = cut;
            lastOffset = lastKept;
            durableOffset = Math.min(durableOffset, lastKept);
            history = history.truncatedAfter(lastKept);
            return removed;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        try {
            flusher.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            flushPendingLocked();
        }
        channel.force(false);
        channel.close();
    }
}
