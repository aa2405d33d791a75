package dev.kvstore.kubectl;

import java.util.ArrayList;
import java.util.List;

/**
 * What a failover drill found, from the writer's log and the values read back afterwards: how many writes were
 * acknowledged, how long no write was acknowledged around the fault, and which acknowledged writes are gone.
 * The writer logs one line per SET: {@code R <index> <microseconds since the epoch> <reply>}; index i wrote
 * {@code v<i>}. Pure: the drill command gathers the text, this reads it.
 *
 * @param attempted      SETs the writer sent
 * @param acknowledged   SETs answered OK
 * @param unavailableMillis the longest time between two consecutive acknowledged writes from the last one before
 *                       the fault on (or from the last acknowledged to the last tried, when writes failed after
 *                       it); -1 when no write was acknowledged after the fault
 * @param lost           indexes acknowledged OK whose value read back absent or different
 * @param unread         indexes acknowledged OK that could not be read back (the reader's errors, again and again):
 *                       neither present nor lost as far as the drill knows
 * @param failedAfterFirstAck the replies other than OK once writes went through (the fault's refusals, timeouts,
 *                       connection errors), by reply, with how many; before the first OK a new client pod's
 *                       writes may fail for reasons of its own (its network not ready yet)
 */
public record DrillReport(long attempted, long acknowledged, long unavailableMillis, List<Long> lost,
                          List<Long> unread, java.util.Map<String, Long> failedAfterFirstAck) {

    /** One line of the writer's log. */
    record Write(long index, long micros, boolean ok, String reply) {
    }

    static List<Write> parse(String writerLog) {
        List<Write> writes = new ArrayList<>();
        for (String line : writerLog.split("\n")) {
            String[] parts = line.strip().split(" ", 4);
            if (parts.length >= 3 && parts[0].equals("R")) {
                try {
                    boolean ok = parts.length == 4 && parts[3].strip().equals("OK");
                    writes.add(new Write(Long.parseLong(parts[1]), Long.parseLong(parts[2]), ok,
                            parts.length == 4 ? parts[3].strip() : ""));
                } catch (NumberFormatException notAWrite) {
                    // a line the writer did not make: ignored
                }
            }
        }
        return writes;
    }

    /** The highest index the writer tried: the keys to read back are 1..that. */
    static long lastIndex(String writerLog) {
        return parse(writerLog).stream().mapToLong(Write::index).max().orElse(0);
    }

    /**
     * @param writerLog  the writer's log
     * @param readBack   the values read back by key index, "" for a key read as absent; a key missing from it
     *                   could not be read
     * @param faultMicros when the fault was made (microseconds since the epoch)
     */
    public static DrillReport of(String writerLog, java.util.Map<Long, String> readBack, long faultMicros) {
        List<Write> writes = parse(writerLog);
        long acknowledged = 0;
        List<Long> ackTimes = new ArrayList<>();
        List<Long> lost = new ArrayList<>();
        List<Long> unread = new ArrayList<>();
        java.util.Map<String, Long> failed = new java.util.TreeMap<>();
        for (Write write : writes) {
            if (!write.ok()) {
                if (acknowledged > 0) {
                    failed.merge(write.reply().isEmpty() ? "(no reply)" : write.reply(), 1L, Long::sum);
                }
                continue;
            }
            acknowledged++;
            ackTimes.add(write.micros());
            String value = readBack.get(write.index());
            if (value == null) {
                unread.add(write.index());
            } else if (!value.equals("v" + write.index())) {
                lost.add(write.index());
            }
        }
        // the fault takes effect some time after it is asked for (an exec, a pod's deletion): the outage is the
        // longest wait between two acknowledged writes from the last one before the fault on
        ackTimes.sort(null);
        long unavailable = -1;
        for (int i = 0; i < ackTimes.size(); i++) {
            long ack = ackTimes.get(i);
            if (ack <= faultMicros) {
                continue;
            }
            long previous = i == 0 ? faultMicros : ackTimes.get(i - 1);
            unavailable = Math.max(unavailable, (ack - previous) / 1000);
        }
        // writes tried after the last acknowledged one and none acknowledged since: that wait counts too
        long lastTried = writes.stream().mapToLong(Write::micros).max().orElse(0);
        if (unavailable >= 0 && !ackTimes.isEmpty() && lastTried > ackTimes.get(ackTimes.size() - 1)) {
            unavailable = Math.max(unavailable, (lastTried - ackTimes.get(ackTimes.size() - 1)) / 1000);
        }
        return new DrillReport(writes.size(), acknowledged, unavailable, lost, unread, failed);
    }
}
