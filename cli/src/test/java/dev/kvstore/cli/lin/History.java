package dev.kvstore.cli.lin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A history of operations as clients saw them, for the linearizability checker (hack/lincheck):
 * when each was invoked and when it completed (one monotonic clock), by which client, on which
 * key, and how it ended: {@link Outcome#OK} with what the store answered, {@link Outcome#FAIL}
 * when the store said nothing was applied, {@link Outcome#UNKNOWN} when it may or may not have
 * been. Thread-safe; written as one JSON object a line.
 */
public final class History {

    /** How an operation ended, as the checker reads it. */
    public enum Outcome {
        OK, FAIL, UNKNOWN
    }

    /** One operation: started by {@link #invoke}, ended once by one of its methods. */
    public final class Op {
        private final String client;
        private final String op;
        private final String key;
        private final String value;
        private final long call;
        private boolean ended;
        /** Ended as unknown by {@link #writeTo} while still running: its own later end is ignored. */
        private boolean abandoned;

        private Op(String client, String op, String key, String value) {
            this.client = client;
            this.op = op;
            this.key = key;
            this.value = value;
            this.call = now();
            open.add(this);
        }

        /** Answered: {@code result} is a get's value (null: absent), an append's new length, an incr's new value. */
        public void ok(String result, String store) {
            end(Outcome.OK, result, store);
        }

        /** Refused with nothing applied (a secondary's READONLY, a precondition's 503, a refused connect). */
        public void fail(String store) {
            end(Outcome.FAIL, null, store);
        }

        /** No answer, or one that says the write may or may not survive. */
        public void unknown(String store) {
            end(Outcome.UNKNOWN, null, store);
        }

        public void end(Outcome outcome, String result, String store) {
            long returned = now();
            synchronized (History.this) {
                if (ended && abandoned) {
                    return; // already written as unknown: whatever it learned later is not in the history
                }
                if (ended) {
                    throw new IllegalStateException(op + " " + key + " ended twice");
                }
                ended = true;
                open.remove(this);
                ObjectNode record = JSON.createObjectNode()
                        .put("client", client).put("op", op).put("key", key)
                        .put("call", call).put("return", returned)
                        .put("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT));
                if (value != null) {
                    record.put("value", value);
                }
                if (result != null) {
                    record.put("result", result);
                }
                if (store != null) {
                    record.put("store", store);
                }
                records.add(record);
                counts[outcome.ordinal()].incrementAndGet();
            }
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final long origin = System.nanoTime();
    private final List<ObjectNode> records = new ArrayList<>();
    private final java.util.Set<Op> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicLong[] counts = {new AtomicLong(), new AtomicLong(), new AtomicLong()};

    /** This history's clock (nanoseconds since it began): what {@code call} and {@code return} are measured in. */
    public long now() {
        return System.nanoTime() - origin;
    }

    /**
     * The writes (put, append, incr) sent to {@code store} after {@code since} (this history's clock)
     * that ended with {@code outcome}; null: any outcome.
     */
    public synchronized long writesTo(String store, long since, Outcome outcome) {
        return records.stream()
                .filter(r -> store.equals(r.path("store").asText()) && r.path("call").asLong() > since)
                .filter(r -> !"get".equals(r.path("op").asText()))
                .filter(r -> outcome == null || outcome.name().equalsIgnoreCase(r.path("outcome").asText()))
                .count();
    }

    /**
     * How long each write (put, append, incr) to {@code store} called between {@code since} and {@code until}
     * (this history's clock) took until {@code outcome}, in milliseconds, shortest first.
     */
    public synchronized List<Long> writeMillis(String store, long since, long until, Outcome outcome) {
        return records.stream()
                .filter(r -> store.equals(r.path("store").asText()))
                .filter(r -> r.path("call").asLong() > since && r.path("call").asLong() < until)
                .filter(r -> !"get".equals(r.path("op").asText()))
                .filter(r -> outcome.name().equalsIgnoreCase(r.path("outcome").asText()))
                .map(r -> (r.path("return").asLong() - r.path("call").asLong()) / 1_000_000).sorted().toList();
    }

    public Op invoke(String client, String op, String key, String value) {
        return new Op(client, op, key, value);
    }

    public long count(Outcome outcome) {
        return counts[outcome.ordinal()].get();
    }

    public synchronized int size() {
        return records.size();
    }

    /**
     * Writes what was recorded so far. An operation still running ends here as unknown: a write
     * never answered may still have been applied, and leaving it out would make its value appear
     * from nowhere.
     */
    public synchronized void writeTo(Path file) throws IOException {
        for (Op running : List.copyOf(open)) {
            running.unknown(null);
            running.abandoned = true;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (ObjectNode record : records) {
                out.write(JSON.writeValueAsString(record));
                out.write('\n');
            }
        }
    }
}
