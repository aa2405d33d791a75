package dev.kvstore.backup;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One object of the log archive: the primary's committed entries {@code start..end} (the log's binary form),
 * the last one's epoch, and {@code throughMillis}: when not 0, every write acknowledged before that time of
 * the primary's clock is at or below {@code end}. All of it is in the object's name, so that choosing what a
 * restore needs takes a listing, not a read.
 */
public record ArchiveSegment(long start, long end, long endEpoch, long throughMillis) {

    public static final String SUFFIX = ".kvlog";
    private static final Pattern NAME = Pattern.compile("kvlog-([0-9]{20})-([0-9]{20})-([0-9]{1,19})-([0-9]{1,19})"
            + Pattern.quote(SUFFIX));

    public ArchiveSegment {
        if (start <= 0 || end < start || endEpoch < 0 || throughMillis < 0) {
            throw new IllegalArgumentException("an archive segment of " + start + ".." + end + ", epoch " + endEpoch
                    + ", through " + throughMillis);
        }
    }

    /** Sorted by name is sorted by start. */
    public String name() {
        return String.format("kvlog-%020d-%020d-%d-%d%s", start, end, endEpoch, throughMillis, SUFFIX);
    }

    public static Optional<ArchiveSegment> parse(String name) {
        Matcher matcher = NAME.matcher(name);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ArchiveSegment(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)),
                    Long.parseLong(matcher.group(3)), Long.parseLong(matcher.group(4))));
        } catch (IllegalArgumentException notOne) {
            return Optional.empty();
        }
    }
}
