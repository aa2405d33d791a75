package dev.kvstore.store.log;

import java.nio.ByteBuffer;

/**
 * The newest bytes of the log, as encoded in its file, kept in memory in one ring: a secondary that is a little
 * behind (every secondary, a moment after each append) is streamed from here instead of from the file.
 *
 * <p>Bytes, not entry objects: a cache of {@link LogEntry} objects (with their key and value arrays) held three
 * objects per write for a few seconds, which is exactly what a young collection has to copy and then promote,
 * only for it to die in the old generation and call for a full collection. Under sync {@code SET}s from 50 clients
 * those copies were most of every young pause. A byte array holds no references: the collector neither scans nor
 * copies what is written into it.
 *
 * <p>The ring grows by doubling as the log does, up to its largest size, so an idle store holds little. Positions
 * are the file's; a compaction moves them all by the same amount ({@link #positionsMovedDown}). Not thread-safe:
 * the log's lock guards it.
 */
final class LogTail {

    private static final int FIRST_CAPACITY = 64 * 1024;

    private final int maxCapacity;
    private byte[] ring;
    /** The file position whose byte is at ring index 0 modulo the capacity; moved by compactions, never by appends. */
    private long origin;
    /** The oldest and the next file position held: [start, end). */
    private long start;
    private long end;

    /** @param maxBytes the most it holds; rounded down to a power of two, at least 64 KiB */
    LogTail(long maxBytes) {
        this.maxCapacity = Integer.highestOneBit((int) Math.min(1 << 30, Math.max(FIRST_CAPACITY, maxBytes)));
        this.ring = new byte[Math.min(FIRST_CAPACITY, maxCapacity)];
    }

    /** Starts over, empty, at {@code position}: what comes next is appended there. */
    void restartAt(long position) {
        start = position;
        end = position;
    }

    /**
     * Adds the bytes the log just appended at {@code position}. A position other than the end (never, while the
     * log keeps its tail in step) restarts the tail there rather than leave a gap of unknown bytes in it.
     */
    void append(long position, ByteBuffer bytes) {
        int length = bytes.remaining();
        if (position != end) {
            restartAt(position);
        }
        if (length > maxCapacity) { // more than the ring holds: only what follows it is kept
            restartAt(position + length);
            return;
        }
        if (end + length - start > ring.length) {
            growFor(end + length - start);
        }
        if (end + length - start > ring.length) {
            start = end + length - ring.length; // the oldest bytes make way
        }
        int at = index(end);
        int first = Math.min(length, ring.length - at);
        bytes.get(bytes.position(), ring, at, first);
        bytes.get(bytes.position() + first, ring, 0, length - first);
        end += length;
    }

    private void growFor(long needed) {
        int capacity = ring.length;
        while (capacity < needed && capacity < maxCapacity) {
            capacity *= 2;
        }
        if (capacity == ring.length) {
            return;
        }
        byte[] grown;
        try {
            grown = new byte[capacity];
        } catch (OutOfMemoryError e) {
            return; // a cache, not the log: it keeps its size and drops its oldest bytes instead
        }
        for (long p = start; p < end; ) {
            // a run up to the old ring's end never crosses the new one's: its size is a multiple of the old
            int from = index(p);
            int run = (int) Math.min(end - p, ring.length - from);
            System.arraycopy(ring, from, grown, (int) ((p - origin) & (capacity - 1)), run);
            p += run;
        }
        ring = grown;
    }

    /** Whether the bytes {@code [from, to)} of the file are all here. */
    boolean holds(long from, long to) {
        return from >= start && to <= end && from <= to;
    }

    /** The bytes {@code [from, to)}, which {@link #holds} them, as a buffer of their own or over the ring itself. */
    ByteBuffer read(long from, long to) {
        int length = (int) (to - from);
        int at = index(from);
        if (at + length <= ring.length) {
            return ByteBuffer.wrap(ring, at, length).slice();
        }
        byte[] copy = new byte[length];
        int first = ring.length - at;
        System.arraycopy(ring, at, copy, 0, first);
        System.arraycopy(ring, 0, copy, first, length - first);
        return ByteBuffer.wrap(copy);
    }

    /** The log was cut at {@code position}: nothing from there on is its any more. */
    void cutAt(long position) {
        end = Math.min(end, position);
        start = Math.min(start, end);
        if (position > end) {
            restartAt(position);
        }
    }

    /** A compaction dropped the file's first {@code by} bytes: every position is that much lower now. */
    void positionsMovedDown(long by) {
        origin -= by;
        start -= by;
        end -= by;
    }

    private int index(long position) {
        return (int) ((position - origin) & (ring.length - 1));
    }

    int capacity() {
        return ring.length;
    }
}
