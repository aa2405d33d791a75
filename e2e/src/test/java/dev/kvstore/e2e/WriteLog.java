package dev.kvstore.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the in-cluster writer saw, parsed from its log: one line per write,
 * {@code W <index> <micros since epoch> <body> <http status>}, where the body of an
 * acknowledged write is {@code {"epoch":E,"offset":O}}.
 */
record WriteLog(List<Write> writes) {

    /** One attempted write; epoch is 0 unless the store acknowledged it. */
    record Write(long index, long micros, int status, long epoch) {
        boolean acknowledged() {
            return status == 200 && epoch > 0;
        }
    }

    private static final Pattern LINE = Pattern.compile("^W (\\d+) (\\d+) (.*?)\\s*(\\d{3})$");
    private static final Pattern EPOCH = Pattern.compile("\"epoch\":(\\d+)");

    static WriteLog parse(String log) {
        List<Write> writes = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (!m.matches()) {
                continue; // curl's own noise, the shell's start-up lines
            }
            int status = Integer.parseInt(m.group(4));
            Matcher epoch = EPOCH.matcher(m.group(3));
            long acknowledgedEpoch = status == 200 && epoch.find() ? Long.parseLong(epoch.group(1)) : 0;
            writes.add(new Write(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), status, acknowledgedEpoch));
        }
        return new WriteLog(List.copyOf(writes));
    }

    List<Long> acknowledgedIndexes() {
        return writes.stream().filter(Write::acknowledged).map(Write::index).toList();
    }

    /** The first write acknowledged at or after the given time in a term above {@code aboveEpoch}. */
    Optional<Write> firstAcknowledgedAfter(long micros, long aboveEpoch) {
        return writes.stream().filter(w -> w.acknowledged() && w.micros() >= micros && w.epoch() > aboveEpoch)
                .findFirst();
    }

    /** The longest time between two consecutive acknowledged writes, in milliseconds. */
    long longestGapMillis() {
        long longest = 0;
        long previous = -1;
        for (Write write : writes) {
            if (!write.acknowledged()) {
                continue;
            }
            if (previous >= 0) {
                longest = Math.max(longest, write.micros() - previous);
            }
            previous = write.micros();
        }
        return longest / 1000;
    }
}
