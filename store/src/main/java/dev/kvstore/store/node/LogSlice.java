package dev.kvstore.store.node;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogEntryCodec;
import dev.kvstore.store.log.ReplicationLog;
import java.util.ArrayList;
import java.util.List;

/**
 * What the primary gives the log archive ({@code POST /v1/admin/log}): its committed entries after a point
 * the archive already holds, in order, and how far they certify the log complete.
 *
 * @param entries              committed entries after {@code after}, about the bytes asked for at most
 * @param committed            the primary's commit offset when read
 * @param coveredThroughMillis when {@code entries} reach {@code committed}: every write acknowledged at or before
 *                             this millisecond of the primary's clock is at or below the last entry. 0 when the
 *                             slice stops short of the commit point (more to read) or certifies nothing
 */
public record LogSlice(List<LogEntry> entries, long committed, long coveredThroughMillis) {

    /** The entry at {@code after} is not of {@code afterEpoch} here: the archive holds entries this log lost. */
    public static final class Diverged extends RuntimeException {
        public Diverged(String message) {
            super(message);
        }
    }

    /** The entries after {@code after} are in the snapshot only: the log was compacted past them. */
    public static final class Compacted extends RuntimeException {
        public Compacted(String message) {
            super(message);
        }
    }

    /** Read in chunks of this many, the log's lock let go between them: appends never wait for a whole slice. */
    private static final int CHUNK = 512;

    /**
     * Where the primary stood when asked, read under its role lock before any entry is read; {@code stillPrimary}
     * says, after the entries are read outside that lock, whether it still is the same term's primary (a store steps
     * down before its log is ever cut, so entries read before that answer are all of this term's history).
     */
    record Point(long committed, long certifiedMillis, java.util.function.BooleanSupplier stillPrimary) {
    }

    /**
     * @param after -1: from the log's first entry (an archive starting, or starting over after a gap)
     * @param point the commit offset, and the time through which reaching it certifies the log complete
     */
    static LogSlice read(ReplicationLog log, long after, long afterEpoch, Point point, long maxBytes) {
        try {
            return readAsPrimary(log, after, afterEpoch, point, maxBytes);
        } catch (Diverged | Compacted seen) {
            // said only while still that term's primary: a store deposed meanwhile may have had its log cut and
            // refilled, and the archive sets aside what it holds on a primary's word alone
            if (!point.stillPrimary().getAsBoolean()) {
                throw deposed();
            }
            throw seen;
        }
    }

    private static NodeExceptions.Fenced deposed() {
        return new NodeExceptions.Fenced("this store stopped being the primary while its log was read for the"
                + " archive; ask the new primary");
    }

    private static LogSlice readAsPrimary(ReplicationLog log, long after, long afterEpoch, Point point, long maxBytes) {
        if (after < 0) {
            after = log.startOffset() - 1;
            afterEpoch = after == 0 ? 0 : log.history().epochAt(after);
        }
        if (after > log.lastOffset()) {
            throw new Diverged("the archive holds offset " + after + ", past this primary's last entry "
                    + log.lastOffset() + " (entries a failover dropped were archived)");
        }
        long epochThere = after == 0 ? 0 : log.history().epochAt(after);
        if (epochThere != afterEpoch) {
            throw new Diverged("the archive's entry at offset " + after + " is of epoch " + afterEpoch + ", this"
                    + " primary's of epoch " + epochThere + " (an asynchronous failover dropped entries the archive holds)");
        }
        long committed = point.committed();
        if (committed <= after) {
            return new LogSlice(List.of(), committed, committed == after ? point.certifiedMillis() : 0);
        }
        List<LogEntry> read = new ArrayList<>();
        long bytes = 0;
        long next = after + 1;
        while (next <= committed && bytes < maxBytes) {
            List<LogEntry> chunk;
            try {
                chunk = log.read(next, (int) Math.min(CHUNK, committed - next + 1), maxBytes - bytes);
            } catch (IllegalArgumentException compacted) {
                throw new Compacted("the entries after offset " + (next - 1) + " were compacted into this primary's"
                        + " snapshot (its log starts at " + log.startOffset() + "); the archive goes on after the next"
                        + " backup");
            }
            if (chunk.isEmpty()) {
                break;
            }
            for (LogEntry entry : chunk) {
                bytes += LogEntryCodec.encodedSize(entry);
            }
            read.addAll(chunk);
            next = chunk.get(chunk.size() - 1).offset() + 1;
            if (!read.isEmpty() && bytes >= maxBytes) {
                break;
            }
        }
        if (!point.stillPrimary().getAsBoolean()) {
            // deposed while reading: its log may have been cut and filled again from another history meanwhile
            throw deposed();
        }
        long last = read.isEmpty() ? after : read.get(read.size() - 1).offset();
        return new LogSlice(read, committed, last == committed ? point.certifiedMillis() : 0);
    }
}
