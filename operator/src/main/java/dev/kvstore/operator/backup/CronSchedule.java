package dev.kvstore.operator.backup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A cron expression, in UTC: five fields as a Kubernetes CronJob's ({@code minute hour day-of-month month
 * day-of-week}) or six with seconds first as CloudNativePG's ScheduledBackup, or a macro ({@code @hourly},
 * {@code @daily}/{@code @midnight}, {@code @weekly}, {@code @monthly}, {@code @yearly}/{@code @annually}). Each
 * field: {@code *} or {@code ?}, a value, a range {@code a-b}, a step {@code * /n}, {@code a-b/n} or {@code a/n},
 * or a list of those; months and week days also by name ({@code JAN}, {@code MON}); Sunday is 0 or 7. As in
 * cron, when both day fields are restricted a day matching either one fires.
 */
public final class CronSchedule {

    private static final Map<String, String> MACROS = Map.of("@hourly", "0 * * * *", "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *", "@weekly", "0 0 * * 0", "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");
    private static final List<String> MONTHS = List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
            "OCT", "NOV", "DEC");
    private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    /** A schedule that fires in none of the next years never fires (30 February). */
    private static final int YEARS_LOOKED_AHEAD = 8;

    private final String expression;
    private final BitSet seconds;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean dayOfMonthAny;
    private final boolean dayOfWeekAny;

    private CronSchedule(String expression, String[] fields) {
        this.expression = expression;
        boolean withSeconds = fields.length == 6;
        int f = withSeconds ? 1 : 0;
        this.seconds = withSeconds ? field(fields[0], "second", 0, 59, List.of()) : only(0);
        this.minutes = field(fields[f], "minute", 0, 59, List.of());
        this.hours = field(fields[f + 1], "hour", 0, 23, List.of());
        this.daysOfMonth = field(fields[f + 2], "day of month", 1, 31, List.of());
        this.months = field(fields[f + 3], "month", 1, 12, MONTHS);
        BitSet week = field(fields[f + 4], "day of week", 0, 7, DAYS);
        if (week.get(7)) {
            week.set(0); // Sunday, either way
        }
        this.daysOfWeek = week;
        this.dayOfMonthAny = isAny(fields[f + 2]);
        this.dayOfWeekAny = isAny(fields[f + 4]);
    }

    /** @throws IllegalArgumentException saying which field is wrong and how */
    public static CronSchedule parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("the schedule is empty");
        }
        String trimmed = expression.trim();
        String expanded = trimmed.startsWith("@") ? MACROS.get(trimmed.toLowerCase(Locale.ROOT)) : trimmed;
        if (expanded == null) {
            throw new IllegalArgumentException("schedule '" + expression + "': unknown macro; " + "these are known: "
                    + String.join(", ", new java.util.TreeSet<>(MACROS.keySet())));
        }
        String[] fields = expanded.split("\\s+");
        if (fields.length != 5 && fields.length != 6) {
            throw new IllegalArgumentException("schedule '" + expression + "' has " + fields.length + " fields; five "
                    + "(minute hour day-of-month month day-of-week) or six (seconds first) are expected");
        }
        try {
            CronSchedule schedule = new CronSchedule(trimmed, fields);
            schedule.nextAfter(Instant.EPOCH); // a schedule that never fires is refused here, not at its first use
            return schedule;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("schedule '" + expression + "': " + e.getMessage(), e);
        }
    }

    private static boolean isAny(String field) {
        return field.equals("*") || field.equals("?");
    }

    private static BitSet only(int value) {
        BitSet bits = new BitSet();
        bits.set(value);
        return bits;
    }

    private static BitSet field(String text, String what, int min, int max, List<String> names) {
        BitSet bits = new BitSet();
        for (String item : text.split(",", -1)) {
            String range = item;
            int step = 1;
            int slash = item.indexOf('/');
            if (slash >= 0) {
                step = number(item.substring(slash + 1), what, 1, max - min + 1, List.of());
                range = item.substring(0, slash);
            }
            int from;
            int to;
            if (isAny(range)) {
                from = min;
                to = max;
            } else {
                int dash = range.indexOf('-');
                from = number(dash >= 0 ? range.substring(0, dash) : range, what, min, max, names);
                // a/n runs from a to the end; a alone is a; a-b is a to b
                to = dash >= 0 ? number(range.substring(dash + 1), what, min, max, names) : slash >= 0 ? max : from;
                if (to < from) {
                    throw new IllegalArgumentException("the " + what + " range " + range + " runs backwards");
                }
            }
            for (int value = from; value <= to; value += step) {
                bits.set(value);
            }
        }
        return bits;
    }

    private static int number(String text, String what, int min, int max, List<String> names) {
        int named = names.indexOf(text.toUpperCase(Locale.ROOT));
        if (named >= 0) {
            return names == MONTHS ? named + 1 : named;
        }
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a " + what + (names.isEmpty() ? "" : " (a number or "
                    + names.get(0) + ".." + names.get(names.size() - 1) + ")"));
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("the " + what + " " + value + " is outside " + min + "-" + max);
        }
        return value;
    }

    private boolean dayMatches(ZonedDateTime t) {
        boolean byMonth = daysOfMonth.get(t.getDayOfMonth());
        boolean byWeek = daysOfWeek.get(t.getDayOfWeek().getValue() % 7);
        if (dayOfMonthAny || dayOfWeekAny) {
            return byMonth && byWeek; // the unrestricted one matches every day
        }
        return byMonth || byWeek;
    }

    /** The first time it fires strictly after {@code after}. */
    public Instant nextAfter(Instant after) {
        ZonedDateTime t = after.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        int lastYear = t.getYear() + YEARS_LOOKED_AHEAD;
        while (t.getYear() <= lastYear) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).plusMonths(1);
            } else if (!dayMatches(t)) {
                t = t.truncatedTo(ChronoUnit.DAYS).plusDays(1);
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            } else if (!seconds.get(t.getSecond())) {
                t = t.plusSeconds(1);
            } else {
                return t.toInstant();
            }
        }
        throw new IllegalArgumentException("it never fires (no such day in " + YEARS_LOOKED_AHEAD + " years)");
    }

    /**
     * The latest time it fired after {@code since} and at or before {@code now}: what is due now. Several times
     * missed (the operator was down) give the latest alone, as a CronJob starts one job for them.
     */
    public Optional<Instant> latestDue(Instant since, Instant now) {
        Instant first = nextAfter(since);
        if (first.isAfter(now)) {
            return Optional.empty();
        }
        // start near now rather than walk every missed time of a schedule of seconds since long ago
        Instant from = first;
        for (Duration back : List.of(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(32),
                Duration.ofDays(367))) {
            Instant candidate = nextAfter(now.minus(back));
            if (!candidate.isAfter(now) && candidate.isAfter(first)) {
                from = candidate;
                break;
            }
        }
        for (Instant next = nextAfter(from); !next.isAfter(now); next = nextAfter(next)) {
            from = next;
        }
        return Optional.of(from);
    }

    @Override
    public String toString() {
        return expression;
    }
}
