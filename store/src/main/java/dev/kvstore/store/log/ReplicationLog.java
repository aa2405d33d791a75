package dev.kvstore.store.log;

import dev.kvstore.core.Position;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.disk.GuardedDiskSync;
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
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.jboss.logging.Logger;

/**
 * The append-only log on disk, with group commit. Appends are encoded into a buffer under a lock;
 * one flusher thread writes the buffer with one system call, forces the file, and then tells
 * listeners how far the log is durable, so every write that arrived during an fsync shares the next.
 *
 * <p>What the flusher publishes as durable was forced in the log's current generation: a truncation
 * or reset starts a new one, so a force that began before it (and covered bytes that are gone now)
 * can never vouch for entries that took the same offsets afterwards. An I/O error stops the log for
 * good: {@link #failure()} says why, appends are refused, and failure listeners hear of it once.
 *
 * <p>The log holds the offsets after {@code baseOffset}; everything up to the base lives in the
 * snapshot. On open, a torn or corrupt tail (a crash in the middle of a write) is cut off: such
 * entries were never durable, so never acknowledged; entries at or below the base (left by a crash
 * between writing a snapshot and compacting) are skipped.
 */
public final class ReplicationLog implements Closeable {

    private static final Logger LOG = Logger.getLogger(ReplicationLog.class);
    /**
     * The newest bytes of the log kept in memory ({@link LogTail}), for secondaries that are a little behind: a
     * sixteenth of the heap rounded down to a power of two, at most 16 MiB (about a hundred thousand entries of
     * 100-byte values), grown as the log is written; older entries are read from the file.
     */
    private static final long TAIL_BYTES = Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 16);
    private static final String NAME = "replication.log";
    /** Guarded by {@link #lock}. */
    private long lastMarkMillis;
    /** {@link #lastMarkMillis} as kept on disk before entries are dropped: a restart forgets no mark. */
    private final TimeMarkFloor markFloor;

    private final Path file;
    private final DiskSync disk;
    private final DurableFiles files;
    private final List<Consumer<IOException>> failureListeners = new CopyOnWriteArrayList<>();
    private final FsyncPolicy policy;
    private final int maxEntryBytes;
    private final Object lock = new Object();
    /** One compaction at a time: its copy is one file, and its positions are of the log as it found it. */
    private final Object compaction = new Object();
    /** An interrupt the running compaction held back ({@link #holdBackInterrupt}); guarded by {@link #compaction}. */
    private boolean compactionInterrupted;
    private final List<LongConsumer> durabilityListeners = new CopyOnWriteArrayList<>();
    private final Thread flusher;

    // guarded by lock
    private FileChannel channel;
    private long baseOffset;
    private long[] filePositions = new long[1024]; // filePositions[i] = where offset base+1+i starts
    private long lastOffset;
    private long writtenBytes; // logical end of the log, pending bytes included
    private long flushedBytes; // bytes handed to the file
    private final LogRoom room = new LogRoom(); // zeros past flushedBytes: appends there leave the file's size alone
    private final AppendBuffer pending = new AppendBuffer();
    private EpochHistory history;
    private final LogTail tail = new LogTail(TAIL_BYTES);
    private final RecentEntries recent = new RecentEntries();
    private long entriesReadFromFile; // guarded by lock
    private boolean flusherWaiting; // wake the flusher only when it sleeps
    private long generation; // raised by every truncation and reset: offsets may then name other entries
    private volatile IOException failure;
    private volatile long durableOffset;
    private volatile boolean closed;

    public ReplicationLog(Path dir, FsyncPolicy policy, int maxEntryBytes) throws IOException {
        this(dir, GuardedDiskSync.system(), policy, maxEntryBytes, 0, EpochHistory.EMPTY);
    }

    public ReplicationLog(Path dir, DiskSync disk, FsyncPolicy policy, int maxEntryBytes) throws IOException {
        this(dir, disk, policy, maxEntryBytes, 0, EpochHistory.EMPTY);
    }

    public ReplicationLog(Path dir, FsyncPolicy policy, int maxEntryBytes, long baseOffset, EpochHistory baseHistory)
            throws IOException {
        this(dir, GuardedDiskSync.system(), policy, maxEntryBytes, baseOffset, baseHistory);
    }

    /** Opens the log that continues a snapshot ending at {@code baseOffset}, with that history. */
    public ReplicationLog(Path dir, DiskSync disk, FsyncPolicy policy, int maxEntryBytes, long baseOffset,
                          EpochHistory baseHistory) throws IOException {
        this.disk = disk;
        this.files = new DurableFiles(disk);
        files.createDirectories(dir);
        this.file = dir.resolve(NAME);
        this.policy = policy;
        this.maxEntryBytes = maxEntryBytes;
        this.baseOffset = baseOffset;
        this.lastOffset = baseOffset;
        this.history = baseHistory;
        this.markFloor = new TimeMarkFloor(dir, files);
        this.lastMarkMillis = markFloor.millis();
        // a compaction's copy left by a crash is of no use: the log's own file is whole either way
        Files.deleteIfExists(file.resolveSibling(NAME + ".compact"));
        boolean existed = Files.exists(file);
        this.channel = open(file);
        if (!existed) {
            files.created(channel, file);
        }
        recover();
        this.durableOffset = lastOffset;
        this.flusher = new Thread(this::flushLoop, "log-flusher");
        this.flusher.setDaemon(true);
        this.flusher.start();
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
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
            } catch (UnknownEntryKindException e) {
                throw new IOException("cannot open the log: after offset " + lastOffset + " comes a " + e.getMessage()
                        + "; nothing was cut. Run that release or a newer one on this data", e);
            } catch (CorruptEntryException e) {
                break;
            }
            if (entry.offset() <= baseOffset) {
                // in the snapshot already, but its time mark still counts: a term never starts below it
                if (entry.op() == LogEntry.Op.NOOP) {
                    lastMarkMillis = Math.max(lastMarkMillis, entry.markedMillis());
                }
                position += whole.limit();
                continue;
            }
            if (entry.offset() != lastOffset + 1) {
                break;
            }
            remember(entry, position);
            position += whole.limit();
        }
        if (position < size && LogRoom.onlyZerosFrom(channel, position)) {
            room.fileIs(size); // the room a crash left behind: nothing was torn
        } else if (position < size) {
            LOG.warnf("cutting %d bytes of torn or corrupt log tail after offset %d", size - position, lastOffset);
            channel.truncate(position);
            disk.force(channel, true);
            room.fileIs(position);
        } else {
            room.fileIs(size);
        }
        writtenBytes = position;
        flushedBytes = position;
        tail.restartAt(position);
    }

    private void remember(LogEntry entry, long filePosition) {
        int index = (int) (entry.offset() - baseOffset - 1);
        if (index >= filePositions.length) {
            filePositions = Arrays.copyOf(filePositions, Math.max(filePositions.length * 2, index + 1));
        }
        filePositions[index] = filePosition;
        lastOffset = entry.offset();
        history = history.withEntry(entry.epoch(), entry.offset());
        if (entry.op() == LogEntry.Op.NOOP) {
            lastMarkMillis = Math.max(lastMarkMillis, entry.markedMillis());
        }
    }

    /** The newest bytes kept in memory (for tests that put it out of step). */
    LogTail tail() {
        return tail;
    }

    /** Drops the last appended entries kept as objects, so that reads go to the newest bytes or the file (for tests). */
    void forgetRecentEntries() {
        synchronized (lock) {
            recent.forget();
        }
    }

    /** How many entries were read from the file, not from the newest bytes kept in memory (for tests). */
    long entriesReadFromFile() {
        synchronized (lock) {
            return entriesReadFromFile;
        }
    }

    /** Whether the entry at {@code offset} would be read from the newest bytes kept in memory, not the file (for tests). */
    boolean readsFromMemory(long offset) {
        synchronized (lock) {
            return tail.holds(positionOf(offset), endOf(offset));
        }
    }

    /** Where the entry at {@code offset} ends: where the next starts, or the log's end. Caller holds the lock. */
    private long endOf(long offset) {
        return offset == lastOffset ? writtenBytes : positionOf(offset + 1);
    }

    private long positionOf(long offset) {
        return filePositions[(int) (offset - baseOffset - 1)];
    }

    /** Appends a new entry at the next offset (primary). Returns it with its offset. */
    public LogEntry appendNext(LogEntry withoutOffset) {
        synchronized (lock) {
            refuseWhenFailed();
            LogEntry entry = withoutOffset.at(lastOffset + 1);
            write(entry);
            return entry;
        }
    }

    /**
     * Appends a time mark of {@code markMillis} ({@link LogEntry#timeMark}) and then the entry, at the next two
     * offsets, in one step: the flusher never wakes between the two (a mark forced alone would cost the entry a
     * second fsync). No mark when {@code markMillis} is 0. Returns the entry with its offset.
     */
    public LogEntry appendNext(LogEntry withoutOffset, long markMillis) {
        synchronized (lock) {
            refuseWhenFailed();
            if (markMillis > 0) {
                write(LogEntry.timeMark(withoutOffset.epoch(), lastOffset + 1, markMillis));
            }
            LogEntry entry = withoutOffset.at(lastOffset + 1);
            write(entry);
            return entry;
        }
    }

    /** Appends entries received from the primary; they must continue this log exactly. */
    public void appendReplicated(List<LogEntry> entries) {
        synchronized (lock) {
            refuseWhenFailed();
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

    private void refuseWhenFailed() {
        IOException failed = failure;
        if (failed != null) {
            throw new LogFailedException(failed);
        }
    }

    /**
     * Encodes the entry into the pending buffer; the flusher writes the whole buffer with one
     * system call before its fsync, so a group of appends costs one write and one fsync.
     */
    private void write(LogEntry entry) {
        int length = LogEntryCodec.encodedSize(entry);
        long position = writtenBytes;
        pending.append(length, room -> LogEntryCodec.encode(entry, room));
        remember(entry, position);
        writtenBytes += length;
        if (flusherWaiting) {
            lock.notifyAll();
        }
        // last: the entry is the log's once it is in the pending bytes and on record
        tail.append(position, pending.last(length));
        recent.appended(entry);
    }

    /** Hands the pending bytes to the file. Caller holds the lock. */
    private void flushPendingLocked() {
        if (pending.size() == 0) {
            return;
        }
        ByteBuffer buffer = pending.contents();
        try {
            long position = flushedBytes;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            flushedBytes = position;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the log to " + file + " failed", e);
        }
        pending.clear();
        if (!closed) { // a closing log gives its room back: none to make
            room.keepAhead(channel, flushedBytes);
        }
    }

    /** The flusher's fsyncs of appended entries, and the entries they made durable: group commit's yield. */
    private final java.util.concurrent.atomic.AtomicLong groupFsyncs = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong entriesMadeDurable = new java.util.concurrent.atomic.AtomicLong();

    public long groupFsyncs() {
        return groupFsyncs.get();
    }

    public long entriesMadeDurable() {
        return entriesMadeDurable.get();
    }

    private void flushLoop() {
        long lastForce = System.nanoTime();
        while (!closed) {
            long target;
            long forcedGeneration;
            FileChannel forced;
            UncheckedIOException writeFailed = null;
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
                if (closed || failure != null) {
                    return; // a failed log makes nothing durable any more (Linux reports an fsync error once)
                }
                target = lastOffset;
                forcedGeneration = generation;
                forced = channel;
                try {
                    flushPendingLocked();
                } catch (UncheckedIOException e) {
                    writeFailed = e;
                }
            }
            if (writeFailed != null) {
                // outside the lock, as every failure: listeners complete writers' futures; the message says
                // which write (a closed channel's own says nothing)
                fail(writeFailed.getMessage(), writeFailed.getCause());
                return;
            }
            try {
                if (policy == FsyncPolicy.ALWAYS || System.nanoTime() - lastForce > 1_000_000_000L) {
                    disk.force(forced, false);
                    lastForce = System.nanoTime();
                    groupFsyncs.incrementAndGet();
                }
            } catch (java.nio.channels.ClosedChannelException e) {
                boolean swapped;
                synchronized (lock) {
                    swapped = forced != channel || closed;
                }
                if (!swapped) {
                    // not a compaction's swap: the log's own channel closed under it (an interrupt, say); the
                    // listeners hear of it outside the lock
                    fail("the log's file was closed while it was forced", e);
                    return;
                }
                continue; // compaction swapped the file; the new one was forced whole
            } catch (IOException e) {
                if (!closed) {
                    fail("fsync of the log failed", e);
                }
                return;
            }
            synchronized (lock) {
                if (failure != null) {
                    return; // a failed truncation or reset may have left the file unlike what was forced
                }
                // a truncation or reset meanwhile: what was forced may not be what those offsets hold now
                if (forcedGeneration != generation || target <= durableOffset || target > lastOffset) {
                    continue;
                }
                entriesMadeDurable.addAndGet(target - durableOffset);
                durableOffset = target;
            }
            for (LongConsumer listener : durabilityListeners) {
                try {
                    listener.accept(target);
                } catch (RuntimeException e) {
                    // never the end of the flusher: that would stop every later write from becoming durable,
                    // silently (a listener that failed, an apply, is retried by the next durable offset)
                    LOG.errorf(e, "a listener of the log's durable offset %d failed", target);
                }
            }
        }
    }

    /** Stops the log: nothing more becomes durable, appends are refused, listeners hear why. */
    private void fail(String what, IOException cause) {
        IOException failed = new IOException(what + ": " + cause.getMessage(), cause);
        synchronized (failureListeners) {
            if (failure != null) {
                return; // listeners hear of the first failure only
            }
            failure = failed;
        }
        LOG.error(what + "; this store can no longer make writes durable", cause);
        for (Consumer<IOException> listener : failureListeners) {
            listener.accept(failed);
        }
    }

    /** Stops the log for a failure met outside it (the store's own files): as if its own disk work had failed. */
    public void stop(String what, IOException cause) {
        fail(what, cause);
    }

    /** Why this log stopped making writes durable, or null while it works. */
    public IOException failure() {
        return failure;
    }

    /** Called once, on the thread that met the failure, if the log stops making writes durable. */
    public void onFailure(Consumer<IOException> listener) {
        failureListeners.add(listener);
        IOException already = failure;
        if (already != null) {
            listener.accept(already);
        }
    }

    /** Called with the new durable offset after each group commit, on the flusher thread. */
    public Runnable onDurable(LongConsumer listener) {
        durabilityListeners.add(listener);
        return () -> durabilityListeners.remove(listener);
    }

    /**
     * The newest time mark ({@link LogEntry#timeMark}) this log holds or ever held: those it dropped are kept on disk
     * ({@link TimeMarkFloor}), and those of entries its snapshot already covers are read at open; or 0.
     */
    public long lastMarkMillis() {
        synchronized (lock) {
            return lastMarkMillis;
        }
    }

    /**
     * Keeps {@link #lastMarkMillis} on disk now, for a caller about to make the log unreadable another way (a
     * snapshot moved aside before a {@link #resetTo}): the log does so itself before it drops entries.
     */
    public void keepNewestMark() throws IOException {
        markFloor.raiseTo(lastMarkMillis());
    }

    public long durableOffset() {
        return durableOffset;
    }

    public long lastOffset() {
        synchronized (lock) {
            return lastOffset;
        }
    }

    /** The first offset this log still holds; earlier ones are only in the snapshot. */
    public long startOffset() {
        synchronized (lock) {
            return baseOffset + 1;
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

    /** Up to {@code max} entries starting at {@code from} (which must be in the log), fewer when it ends. */
    public List<LogEntry> read(long from, int max) {
        return read(from, max, Long.MAX_VALUE);
    }

    /**
     * Up to {@code max} entries from {@code from}, and no more encoded bytes than {@code maxBytes}
     * (one entry at least, whatever its size): a replication frame must stay within the receiver's limit.
     */
    public List<LogEntry> read(long from, int max, long maxBytes) {
        synchronized (lock) {
            if (from <= baseOffset) {
                throw new IllegalArgumentException("offset " + from + " was compacted into the snapshot (log starts at "
                        + (baseOffset + 1) + ")");
            }
            List<LogEntry> out = new ArrayList<>(Math.min(max, 64));
            long bytes = 0;
            for (long offset = from; offset <= lastOffset && out.size() < max; offset++) {
                LogEntry entry = entryAt(offset);
                bytes += LogEntryCodec.encodedSize(entry);
                if (!out.isEmpty() && bytes > maxBytes) {
                    break;
                }
                out.add(entry);
            }
            return out;
        }
    }

    private LogEntry entryAt(long offset) {
        LogEntry appended = recent.at(offset);
        if (appended != null) {
            return appended;
        }
        long start = positionOf(offset);
        long end = endOf(offset);
        if (tail.holds(start, end)) {
            LogEntry entry = fromMemory(offset, start, end);
            if (entry != null) {
                return entry;
            }
        }
        if (end > flushedBytes) {
            flushPendingLocked();
        }
        entriesReadFromFile++;
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
        LogEntry entry = LogEntryCodec.decode(buffer, maxEntryBytes);
        if (entry.offset() != offset) {
            // the positions out of step with the file: never expected, and never served as the entry asked for
            throw new IllegalStateException("the log's file holds offset " + entry.offset() + " where offset " + offset
                    + " should start (position " + start + ")");
        }
        return entry;
    }

    /** The entry at {@code offset} from the newest bytes kept in memory, or null when they are not that entry. */
    private LogEntry fromMemory(long offset, long start, long end) {
        String wrong;
        try {
            LogEntry entry = LogEntryCodec.decode(tail.read(start, end), maxEntryBytes);
            if (entry.offset() == offset) {
                return entry;
            }
            wrong = "offset " + entry.offset();
        } catch (CorruptEntryException e) {
            wrong = e.getMessage();
        }
        // never expected: the tail out of step with the positions. The file is the truth; the tail starts over
        LOG.errorf("the log's bytes in memory at position %d are not offset %d (%s); reading the file", start, offset, wrong);
        tail.restartAt(writtenBytes);
        return null;
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
            if (lastKept < baseOffset) {
                throw new IllegalStateException("cannot cut at " + lastKept + ": the log starts after " + baseOffset);
            }
            List<LogEntry> removed = read(lastKept + 1, Integer.MAX_VALUE);
            try {
                markFloor.raiseTo(lastMarkMillis); // before any mark is cut
            } catch (IOException e) {
                throw new UncheckedIOException("cannot keep the newest time mark; nothing was cut", e);
            }
            flushPendingLocked();
            long cut = positionOf(lastKept + 1);
            try {
                channel.truncate(cut); // the room too: bytes past the end stay zeros only
                disk.force(channel, true);
            } catch (IOException e) {
                // the file and what this log believes of it may now differ: stop for good, like a failed fsync
                fail("truncating the log failed", e);
                throw new UncheckedIOException("cannot truncate " + file, e);
            }
            room.fileIs(cut);
            tail.cutAt(cut);
            recent.forget();
            writtenBytes = cut;
            flushedBytes = cut;
            generation++;
            lastOffset = lastKept;
            durableOffset = Math.min(durableOffset, lastKept);
            history = history.truncatedAfter(lastKept);
            return removed;
        }
    }

    /**
     * Drops the entries up to {@code newBase}, which a snapshot now holds, by copying the rest into a new file
     * that replaces the old one. The bulk of it runs outside the log's lock, so appends (event-loop writes
     * among them) and the flusher go on meanwhile: under the lock, where the kept tail begins; without it, the
     * tail copied into the new file and forced; under the lock again, what was appended meanwhile copied too,
     * and the new file forced (little is new in it by then), renamed into place and the directory forced. A
     * truncation or reset in between makes the copy worthless: it is dropped and the log stays as it is.
     */
    public void compactTo(long newBase) throws IOException {
        // FileChannel closes itself when the thread doing I/O on it is interrupted, and this runs on the
        // caller's thread (the snapshotter): the copy reads and writes through channels of its own (an interrupt
        // then fails the compaction, nothing else), and the log's own channel is written under the log's lock
        // right after the thread's interrupt is taken off it, given back at the end, so an interrupt can take
        // the log's channel (every later write and the final force) with it only in the instant between the two
        boolean interrupted = Thread.interrupted();
        try {
            synchronized (compaction) {
                compactionInterrupted = false;
                try {
                    compact(newBase);
                } finally {
                    interrupted |= compactionInterrupted;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Where a compaction's copy starts and how far it went, in the log's generation it was made from. */
    private record CompactionCopy(long newBase, long startBase, long generation, long from, long copiedUpTo) {
    }

    private void compact(long newBase) throws IOException {
        keepNewestMark(); // outside the lock: its fsyncs hold up no append
        CompactionCopy copy;
        synchronized (lock) {
            refuseCompaction();
            if (newBase <= baseOffset) {
                return;
            }
            if (newBase > lastOffset) {
                throw new IllegalArgumentException("cannot compact to " + newBase + " beyond the log's end " + lastOffset);
            }
            holdBackInterrupt();
            flushPendingLocked();
            long from = newBase == lastOffset ? writtenBytes : positionOf(newBase + 1);
            copy = new CompactionCopy(newBase, baseOffset, generation, from, flushedBytes);
        }
        Path tmp = file.resolveSibling(NAME + ".compact");
        try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            copyRange(source, copy.from(), copy.copiedUpTo(), out);
            disk.force(out, false);
        } catch (IOException | RuntimeException e) {
            deleteCopy(tmp, e); // a partial copy would only hold disk space (a full volume is a likely cause)
            if (e instanceof IOException && !stillCurrent(copy)) {
                return; // the log was cut meanwhile, perhaps below the copy's end: nothing to compact
            }
            throw e;
        }
        synchronized (lock) {
            try {
                refuseCompaction();
                if (!stillCurrent(copy)) {
                    Files.deleteIfExists(tmp);
                    return;
                }
                holdBackInterrupt();
                flushPendingLocked();
                try (FileChannel source = FileChannel.open(file, StandardOpenOption.READ);
                        FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    out.position(copy.copiedUpTo() - copy.from());
                    copyRange(source, copy.copiedUpTo(), flushedBytes, out);
                }
            } catch (IOException | RuntimeException e) {
                deleteCopy(tmp, e); // not renamed: the copy would only hold disk space
                throw e;
            }
            swapIn(tmp, copy);
        }
    }

    /**
     * Right before the compactor writes the log's own channel (under the lock): an interrupt that came while it
     * copied or waited is taken off the thread, and given back when the compaction ends.
     */
    private void holdBackInterrupt() {
        compactionInterrupted |= Thread.interrupted();
    }

    /** Removes a compaction's copy after {@code failure}, to which a failure to remove it is added. */
    private static void deleteCopy(Path copy, Exception failure) {
        try {
            Files.deleteIfExists(copy);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    private void refuseCompaction() throws IOException {
        if (closed) {
            throw new IOException("the log is closed; no compaction");
        }
        if (failure != null) {
            // after a failure the log's positions may describe a file no longer at its path (a replacement
            // renamed but not made durable): a copy from the path would read past its end
            throw new IOException("the log stopped (" + failure.getMessage() + "); no compaction");
        }
    }

    private boolean stillCurrent(CompactionCopy copy) {
        synchronized (lock) {
            return generation == copy.generation() && baseOffset == copy.startBase();
        }
    }

    /** Copies the file's bytes {@code [start, end)} to {@code out} at its position; the file may not shrink meanwhile. */
    private static void copyRange(FileChannel source, long start, long end, FileChannel out) throws IOException {
        long copied = 0;
        while (copied < end - start) {
            long moved = source.transferTo(start + copied, end - start - copied, out);
            if (moved <= 0 && source.size() < end) {
                throw new IOException("the log was cut while it was copied");
            }
            copied += moved;
        }
    }

    /** Puts the complete copy in place of the log's file and moves the positions to it. Caller holds the lock. */
    private void swapIn(Path tmp, CompactionCopy copy) throws IOException {
        // forced, renamed, and the rename forced: after a power loss the old file cannot come back
        try {
            files.replace(tmp, file);
        } catch (IOException e) {
            if (!Files.exists(tmp)) {
                // renamed, but not made durable (or the old file's channel is now of a deleted file):
                // appending on would write where a restart does not look. The log stops instead.
                fail("the compacted log replaced the old one but the replacement was not made durable", e);
            } else {
                deleteCopy(tmp, e); // not renamed: the log's own file is still the one in place
            }
            throw e;
        }
        channel.close();
        try {
            channel = open(file);
        } catch (IOException e) {
            // the old channel is closed: the log can write nowhere now, and says so (the flusher stops on it)
            fail("the compacted log could not be opened", e);
            throw e;
        }
        long newBase = copy.newBase();
        long from = copy.from();
        long kept = lastOffset - newBase;
        long[] positions = new long[(int) Math.max(1024, kept * 2)];
        for (long i = 0; i < kept; i++) {
            positions[(int) i] = filePositions[(int) (newBase - baseOffset + i)] - from;
        }
        filePositions = positions;
        writtenBytes -= from;
        flushedBytes -= from;
        room.fileIs(flushedBytes); // the copy holds the log's bytes and no room
        tail.positionsMovedDown(from);
        baseOffset = newBase;
    }

    /**
     * Empties the log so that it continues a snapshot received from the primary, which ends at
     * {@code newBase} with {@code newHistory}.
     */
    public void resetTo(long newBase, EpochHistory newHistory) throws IOException {
        synchronized (lock) {
            try {
                markFloor.raiseTo(lastMarkMillis); // before any mark is dropped
            } catch (IOException e) {
                fail("keeping the newest time mark failed", e);
                throw e;
            }
            pending.clear();
            try {
                channel.truncate(0);
                disk.force(channel, true);
            } catch (IOException e) {
                fail("emptying the log failed", e);
                throw e;
            }
            tail.restartAt(0);
            recent.forget();
            filePositions = new long[1024];
            baseOffset = newBase;
            lastOffset = newBase;
            writtenBytes = 0;
            flushedBytes = 0;
            room.fileIs(0);
            generation++;
            history = newHistory;
            durableOffset = newBase;
        }
    }

    @Override
    public void close() throws IOException {
        // the final flush and force run with the caller's interrupt held back (an interrupted thread's
        // file I/O closes the channel instead), and it is given back at the end
        boolean interrupted = Thread.interrupted();
        try {
            interrupted |= closeUninterrupted();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Keeps no room past the log's end ({@link LogRoom}) from now on, and gives back what there is (forced): for a
     * store that may be rolled back to a release before the room, which would cut it as a torn tail, with a warning.
     */
    public void keepNoRoom() throws IOException {
        synchronized (lock) {
            room.keepNone();
            flushPendingLocked();
            cutRoom();
            // forced even with no room left: a clean close before gave it back without forcing the cut
            disk.force(channel, true);
        }
    }

    /**
     * A closed log's file ends where the log does. Not forced: a crash before the cut is seen leaves zeros past
     * the end, which the next open reads as room.
     */
    private void giveRoomBack() {
        try {
            cutRoom();
        } catch (IOException e) {
            LOG.debugf(e, "the log's room stays in %s", file); // harmless: zeros past the end
        }
    }

    /** Cuts the file where the log ends, if room follows. Caller holds the lock. */
    private void cutRoom() throws IOException {
        if (room.roomAfter(flushedBytes) > 0) {
            channel.truncate(flushedBytes);
            room.fileIs(flushedBytes);
        }
    }

    /** Answers whether the wait for the flusher was interrupted (the caller gives the interrupt back). */
    private boolean closeUninterrupted() throws IOException {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        boolean interrupted = false;
        try {
            flusher.join(2000);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        synchronized (lock) {
            try {
                if (failure == null) {
                    flushPendingLocked();
                    disk.force(channel, false);
                    giveRoomBack();
                }
            } finally {
                channel.close();
            }
        }
        return interrupted;
    }
}
