package dev.kvstore.store.node;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.ReplicationLog;
import java.util.List;

/**
 * What the primary gives the log archive ({@code POST /v1/admin/log}): its committed entries after a point
 * the archive already holds, in order, and how far they certify the log complete.
 *
 * @param entries             committed entries after {@code after}, at most about the bytes asked for
 * @param committed           the primary's commit offset when read
 * @param coveredThroughMillis when {@code entries} reach {@code committed}: the primary's clock before that was
 *                            read (while it held its read lease, so no other primary acknowledged anything
 *                            then): every write acknowledged before this time is at or below the last entry. 0
 *                            when the slice stops short of the commit point (more to read) or certifies nothing
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

    private static final int MAX_ENTRIES = 100_000;

    /** @param after -1: from the log's first entry (an archive starting, or starting over after a gap) */
    static LogSlice read(ReplicationLog log, long after, long afterEpoch, long committed, long maxBytes,
                         long asOfMillis) {
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
        if (committed <= after) {
            return new LogSlice(List.of(), committed, committed == after ? asOfMillis : 0);
        }
        if (after + 1 < log.startOffset()) {
            throw new Compacted("the entries after offset " + after + " were compacted into this primary's snapshot (its"
                    + " log starts at " + log.startOffset() + "); the archive goes on after the next backup");
        }
        List<LogEntry> read = log.read(after + 1, (int) Math.min(MAX_ENTRIES, committed - after), maxBytes);
        long last = read.isEmpty() ? after : read.get(read.size() - 1).offset();
        return new LogSlice(read, committed, last == committed ? asOfMillis : 0);
    }
}
