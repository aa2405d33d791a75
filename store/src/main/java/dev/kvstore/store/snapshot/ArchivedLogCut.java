package dev.kvstore.store.snapshot;

import dev.kvstore.core.disk.RestorePoint;
import dev.kvstore.store.log.CorruptEntryException;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogEntryCodec;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The archived log after a backup, cut at a restore point: reads the archive's entries (the log's binary form,
 * segments one after the other) and hands on, in order and in batches, those after the backup's last offset up
 * to the point. Refuses an archive that does not go on from the backup (a gap, another history), that misses
 * offsets, holds a damaged entry, or ends before a position asked for: nothing partial is restored.
 */
public final class ArchivedLogCut {

    private static final int BATCH = 1024;

    /** What was handed on: the last entry's offset and epoch (the backup's own when none). */
    public record Result(long lastOffset, long lastEpoch, long entries) {
    }

    private ArchivedLogCut() {
    }

    /**
     * @param backupOffset the backup's last offset, {@code backupEpoch} that entry's epoch
     * @param sink         receives the kept entries, in order, a batch at a time
     */
    public static Result cut(Path archive, long backupOffset, long backupEpoch, RestorePoint point, int maxEntryBytes,
                             Consumer<List<LogEntry>> sink) throws IOException {
        if (point instanceof RestorePoint.AtPosition at && at.offset() < backupOffset) {
            throw new IOException("the restore point " + at + " is before the backup's last entry (offset " + backupOffset
                    + "): restore from an earlier backup");
        }
        long last = backupOffset;
        long lastEpoch = backupEpoch;
        long kept = 0;
        boolean reached = point instanceof RestorePoint.AtPosition at && at.offset() == backupOffset;
        if (reached && ((RestorePoint.AtPosition) point).epoch() != backupEpoch) {
            throw wrongEpoch((RestorePoint.AtPosition) point, backupEpoch);
        }
        // the backup's own point needs nothing of the archive
        boolean sawBackupsEntry = backupOffset == 0 || reached;
        // whether the term being read writes time marks (a term of a release before them does not), and whether
        // entries of such a term were kept since the last mark at or before the point: then nothing proves they
        // were written before it
        long termEpoch = -1;
        boolean termMarked = false;
        boolean unmarkedSinceMark = false;
        long unmarkedEpoch = -1;
        // where each epoch read began (epochs only grow): a segment written twice must hold the same entries
        java.util.TreeMap<Long, Long> epochStarts = new java.util.TreeMap<>();
        List<LogEntry> batch = new ArrayList<>(BATCH);
        long previous = -1;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            LogEntry entry;
            while (!reached && (entry = next(in, maxEntryBytes, previous)) != null) {
                if (previous >= 0 && entry.offset() <= previous) {
                    // a segment written twice (a retried upload) repeats the entries read already; another history's
                    // entries at the same offsets are refused
                    java.util.Map.Entry<Long, Long> readThere = epochStarts.floorEntry(entry.offset());
                    long epochThere = readThere == null ? -1 : readThere.getValue();
                    if (epochThere != entry.epoch()) {
                        throw new IOException("two archived histories overlap at offset " + entry.offset() + " (epoch "
                                + epochThere + " read, then epoch " + entry.epoch() + "): nothing was restored");
                    }
                    continue;
                }
                if (previous >= 0 && entry.offset() != previous + 1) {
                    throw new IOException("the archived log misses offsets " + (previous + 1) + " to " + (entry.offset() - 1)
                            + " (a segment is missing): nothing was restored");
                }
                previous = entry.offset();
                if (epochStarts.isEmpty() || epochStarts.lastEntry().getValue() != entry.epoch()) {
                    epochStarts.put(entry.offset(), entry.epoch());
                }
                if (entry.epoch() != termEpoch) {
                    termEpoch = entry.epoch();
                    termMarked = entry.markedMillis() > 0; // a term starts with a mark in every release that writes them
                } else if (entry.markedMillis() > 0) {
                    termMarked = true;
                }
                if (entry.offset() <= backupOffset) {
                    if (point instanceof RestorePoint.AtTime at && entry.markedMillis() > at.millis()) {
                        throw new IOException("the backup holds writes made after " + at + " (the archived log has a time"
                                + " mark of " + java.time.Instant.ofEpochMilli(entry.markedMillis()) + " at offset "
                                + entry.offset() + ", at or before the backup's last entry " + backupOffset + "): restore"
                                + " from an earlier backup; nothing was restored");
                    }
                    if (entry.offset() == backupOffset) {
                        if (entry.epoch() != backupEpoch) {
                            throw new IOException("the archived log's entry at the backup's last offset " + backupOffset
                                    + " is of epoch " + entry.epoch() + ", the backup's of epoch " + backupEpoch + " (the"
                                    + " archive holds another history than the backup): nothing was restored");
                        }
                        sawBackupsEntry = true;
                    }
                    continue;
                }
                if (!sawBackupsEntry) {
                    throw gap(backupOffset, entry.offset());
                }
                if (entry.epoch() < lastEpoch) {
                    throw new IOException("the archived log's entry at offset " + entry.offset() + " is of epoch "
                            + entry.epoch() + ", before the " + lastEpoch + " of the entries before it: nothing was restored");
                }
                if (point instanceof RestorePoint.AtTime at) {
                    long marked = entry.markedMillis();
                    if (marked > at.millis()) {
                        reached = true; // the first mark after the point: everything from here was written after it
                        if (entry.epoch() == unmarkedEpoch) {
                            // a mark of the same term: it writes marks, and the entries before this one in it were
                            // appended in the millisecond of a mark at or before the backup's last entry
                            unmarkedSinceMark = false;
                        }
                        break;
                    }
                    if (marked > 0) {
                        unmarkedSinceMark = false;
                    } else if (!termMarked) {
                        unmarkedSinceMark = true;
                        unmarkedEpoch = entry.epoch();
                    }
                }
                batch.add(entry);
                kept++;
                last = entry.offset();
                lastEpoch = entry.epoch();
                if (point instanceof RestorePoint.AtPosition at && entry.offset() == at.offset()) {
                    if (entry.epoch() != at.epoch()) {
                        throw wrongEpoch(at, entry.epoch());
                    }
                    reached = true;
                }
                if (batch.size() == BATCH) {
                    sink.accept(List.copyOf(batch));
                    batch.clear();
                }
            }
        }
        if (!sawBackupsEntry) {
            throw new IOException("the archived log " + (previous < 0 ? "is empty" : "ends at offset " + previous) + ","
                    + " before the backup's last entry (" + backupOffset + "): it cannot go on from the backup; nothing"
                    + " was restored");
        }
        if (point instanceof RestorePoint.AtPosition at && !reached) {
            throw new IOException("the archived log ends at offset " + last + ", before the restore point " + at
                    + ": nothing was restored");
        }
        if (unmarkedSinceMark) {
            throw new IOException("the archived log's entries up to offset " + last + " were written by a release without"
                    + " time marks, and nothing tells which were made by " + point + ": restore to a position"
                    + " (<epoch>:<offset>) instead; nothing was restored");
        }
        if (!batch.isEmpty()) {
            sink.accept(List.copyOf(batch));
        }
        return new Result(last, lastEpoch, kept);
    }

    private static IOException wrongEpoch(RestorePoint.AtPosition at, long epochThere) {
        return new IOException("the restore point " + at + " names epoch " + at.epoch() + ", but the entry at offset "
                + at.offset() + " is of epoch " + epochThere + ": nothing was restored");
    }

    private static IOException gap(long backupOffset, long archivedFrom) {
        return new IOException("the archived log does not go on from the backup: the backup ends at offset " + backupOffset
                + ", the archive has offset " + archivedFrom + " next (entries between were never archived): restore"
                + " from a later backup; nothing was restored");
    }

    /** The next entry, or null at the archive's end; a torn or damaged entry is an error, not an end. */
    private static LogEntry next(InputStream in, int maxEntryBytes, long previous) throws IOException {
        byte[] header = in.readNBytes(LogEntryCodec.HEADER_BYTES);
        if (header.length == 0) {
            return null;
        }
        String after = previous < 0 ? "at its start" : "after offset " + previous;
        if (header.length < LogEntryCodec.HEADER_BYTES) {
            throw new IOException("the archived log is cut " + after + ": nothing was restored");
        }
        int bodyLength = ByteBuffer.wrap(header).getInt();
        if (bodyLength <= 0 || bodyLength > maxEntryBytes) {
            throw new IOException("the archived log is damaged " + after + " (an entry of " + bodyLength
                    + " bytes): nothing was restored");
        }
        byte[] body = in.readNBytes(bodyLength);
        if (body.length < bodyLength) {
            throw new IOException("the archived log is cut " + after + ": nothing was restored", new EOFException());
        }
        ByteBuffer whole = ByteBuffer.allocate(header.length + body.length).put(header).put(body).flip();
        try {
            return LogEntryCodec.decode(whole, maxEntryBytes);
        } catch (CorruptEntryException damaged) {
            throw new IOException("the archived log is damaged " + after + " (" + damaged.getMessage()
                    + "): nothing was restored", damaged);
        }
    }
}
