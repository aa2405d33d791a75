package dev.kvstore.kubectl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One batch of the drill's read-back: what the reader printed for keys {@code from..to}, parsed into a value per
 * key, or the reason the output cannot be trusted. The reader is one redis-cli fed a GET per key; it prints one
 * line per reply (empty for an absent key) with its errors on the same stream, then {@code END <status>}. A
 * connection lost partway makes redis-cli print an error line in place of a reply (and an error reply is followed
 * by an empty line in raw mode), so a batch is taken only when it has exactly one value-shaped line per key and its
 * end mark: anything else is read again, never counted as a loss. (A drill once reported acknowledged writes
 * lost: its read-back kept stdout alone, so a failed GET left no line and the later values shifted.) Pure.
 *
 * @param values  index to the value read, "" for a key that is absent; empty when {@code trouble} is set
 * @param trouble why this output cannot be used, or null when it is complete
 */
record ReadBackBatch(long from, long to, Map<Long, String> values, String trouble) {

    static final String END = "END ";

    /** What the drill writes: v followed by the key's index. */
    private static final Pattern WRITTEN = Pattern.compile("v[0-9]+");

    boolean complete() {
        return trouble == null;
    }

    static ReadBackBatch parse(String output, long from, long to) {
        String[] lines = output.split("\n", -1);
        int end = -1;
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith(END)) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return troubled(from, to, "the reader's output ended before its end mark (" + lines.length + " lines)");
        }
        String status = lines[end].substring(END.length()).strip();
        if (!status.equals("0")) {
            return troubled(from, to, "redis-cli ended with status " + status + firstLine(lines, end));
        }
        long keys = to - from + 1;
        if (end != keys) {
            return troubled(from, to, end + " reply lines for " + keys + " keys" + firstLine(lines, end));
        }
        Map<Long, String> values = new LinkedHashMap<>();
        for (int i = 0; i < end; i++) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !WRITTEN.matcher(line).matches()) {
                return troubled(from, to, "an error in place of a value: " + line);
            }
            values.put(from + i, line);
        }
        return new ReadBackBatch(from, to, values, null);
    }

    private static ReadBackBatch troubled(long from, long to, String why) {
        return new ReadBackBatch(from, to, Map.of(), "keys " + from + ".." + to + ": " + why);
    }

    /** The first line that is not a value, which says what went wrong; or nothing when all are values. */
    private static String firstLine(String[] lines, int end) {
        for (int i = 0; i < end; i++) {
            String line = lines[i].strip();
            if (!line.isEmpty() && !WRITTEN.matcher(line).matches()) {
                return " (" + line + ")";
            }
        }
        return "";
    }
}
