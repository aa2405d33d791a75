package dev.kvstore.store.node;

import java.util.function.LongSupplier;

/**
 * Which time marks ({@link dev.kvstore.store.log.LogEntry#timeMark}) a primary writes: one before the first write
 * of each millisecond of its clock, a term's first entry, and one alone after a snapshot it sends. None is ever
 * below the newest mark the store knows (its own, and the newest its log holds or ever held): marks only grow
 * along the log, which is what a restore to a point in time cuts by. A clock set back writes no mark until it
 * passes the last one again; the writes between count as made at that mark. Callers serialize the calls (the
 * append lock, or the role lock held for writing).
 */
final class TimeMarks {

    private final LongSupplier clock;
    /** The newest mark this primary wrote (or the newest known, from its term's start). */
    private long last;

    TimeMarks(LongSupplier clock) {
        this.clock = clock;
    }

    /** The mark to append before a write made now: now, when no mark of this millisecond or a later one was written; else 0 (none). */
    long beforeWrite() {
        long now = clock.getAsLong();
        if (now > last) {
            last = now;
            return now;
        }
        return 0;
    }

    /** A term's first mark: now, or the newest mark known ({@code newestInLog} among them) when the clock is behind it. */
    long termStart(long newestInLog) {
        last = Math.max(clock.getAsLong(), Math.max(last, newestInLog));
        return last;
    }

    /** A mark alone: now, or this primary's last mark when the clock is behind it. */
    long alone() {
        last = Math.max(clock.getAsLong(), last);
        return last;
    }
}
