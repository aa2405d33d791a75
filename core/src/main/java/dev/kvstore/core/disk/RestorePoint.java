package dev.kvstore.core.disk;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Where a restore from a backup and the archived log after it stops: at a time (every write the primary
 * appended up to that millisecond of its clock, none after) or at a log position (the entry at
 * {@code offset}, which must be of {@code epoch}, and none after). Written as an ISO-8601 instant
 * ({@code 2026-12-07T01:02:03.456Z}) or {@code <epoch>:<offset>}: one form for {@code kv.restore-to},
 * {@code kv local --restore-to} and the KVCluster's {@code bootstrap.fromBackup}.
 */
public sealed interface RestorePoint {

    record AtTime(long millis) implements RestorePoint {
        @Override
        public String toString() {
            return Instant.ofEpochMilli(millis).toString();
        }
    }

    record AtPosition(long epoch, long offset) implements RestorePoint {
        public AtPosition {
            if (epoch < 0 || offset <= 0) {
                throw new IllegalArgumentException("a restore position needs an epoch of 0 or more and an offset above"
                        + " 0, got " + epoch + ":" + offset);
            }
        }

        @Override
        public String toString() {
            return epoch + ":" + offset;
        }
    }

    static RestorePoint parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.matches("[0-9]{1,18}:[0-9]{1,18}")) {
            int colon = trimmed.indexOf(':');
            return new AtPosition(Long.parseLong(trimmed.substring(0, colon)), Long.parseLong(trimmed.substring(colon + 1)));
        }
        try {
            return new AtTime(Instant.parse(trimmed).toEpochMilli());
        } catch (DateTimeParseException | ArithmeticException notATime) {
            throw new IllegalArgumentException("a restore point is a time in ISO-8601 (2026-12-07T01:02:03.456Z, UTC)"
                    + " or <epoch>:<offset> (3:1200), got '" + text + "'");
        }
    }
}
