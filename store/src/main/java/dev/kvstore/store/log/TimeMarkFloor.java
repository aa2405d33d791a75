package dev.kvstore.store.log;

import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.disk.DurableValueFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The newest time mark ({@link LogEntry#timeMark}) a log held before entries were dropped from it (compacted
 * into a snapshot, cut as a divergent suffix, or reset for a received snapshot), kept on disk beside it. A new
 * primary starts its term at no earlier a time than the newest mark its log holds or held, so that marks only
 * grow along the log, which is what a restore to a point in time cuts by; without this file, a restart after a
 * compaction that left no mark in the log would forget them, and a primary with a slower clock would write
 * marks below ones already archived. Raised before the log drops anything, so a crash in between loses nothing.
 */
public final class TimeMarkFloor {

    public static final String FILE_NAME = "time-mark-floor";

    private final DurableValueFile file;
    /** Read without the lock, which a raise holds across its fsyncs (a promotion reads it under the role lock). */
    private volatile long millis;

    TimeMarkFloor(Path dir, DurableFiles files) throws IOException {
        this.file = new DurableValueFile(dir.resolve(FILE_NAME), files);
        String kept = file.read("0");
        try {
            this.millis = Long.parseLong(kept);
        } catch (NumberFormatException e) {
            throw new IOException(file.path() + " holds '" + kept + "', not a time in milliseconds: write the"
                    + " newest time mark the store's log held (or 0 if unknown)", e);
        }
    }

    /** The newest mark kept, or 0. */
    long millis() {
        return millis;
    }

    /** Keeps {@code newestMark} if it is newer than the one kept (a no-op otherwise: no write). */
    synchronized void raiseTo(long newestMark) throws IOException {
        if (newestMark > millis) {
            file.write(Long.toString(newestMark));
            millis = newestMark;
        }
    }
}
