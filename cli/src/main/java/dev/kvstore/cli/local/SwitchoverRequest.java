package dev.kvstore.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A planned switchover asked of a running {@code kv local} ({@code kv promote}): the local counterpart of a KVCluster's
 * {@code spec.switchover}, by files of the cluster directory, one request and one answer per id. {@code kv promote}
 * writes its request (the store, and until when it waits), the supervisor carries out the newest one in its own pass
 * (never beside a failover it is running) and answers under that id; a client deletes only its own files, so no
 * request or answer is ever taken for, or deleted instead of, another's. A request whose client stopped waiting (its
 * deadline passed: killed, or timed out) is dropped, never carried out later; a new {@code kv local} starts with none.
 */
public final class SwitchoverRequest {

    static final String REQUEST = "switchover-request-";
    static final String OUTCOME = "switchover-outcome-";

    /** What {@code kv promote} asked, and until when (Unix milliseconds) it waits for the answer. */
    public record Asked(String id, String store, long deadlineMillis) {
    }

    /**
     * What came of a request: {@code done} (the store is primary), {@code refused} (it never will be as asked: no
     * such store, a store fenced for maintenance, a later request), or waiting (tried again later), with the words.
     */
    public record Outcome(String id, String state, String message) {
        public static final String DONE = "done";
        public static final String REFUSED = "refused";
        public static final String WAITING = "waiting";

        public boolean finished() {
            return DONE.equals(state) || REFUSED.equals(state);
        }
    }

    private final Path dir;

    public SwitchoverRequest(Path dir) {
        this.dir = dir;
    }

    /** Asks for {@code store} as primary, waited for until {@code deadlineMillis}; answers the request's id. */
    public String ask(String store, long deadlineMillis) throws IOException {
        return ask(store, deadlineMillis, System.currentTimeMillis());
    }

    /** The same, made at {@code nowMillis}. */
    String ask(String store, long deadlineMillis, long nowMillis) throws IOException {
        // the time first, zero-padded: ids sort in the order they were made
        String id = String.format("%013d-%016x", nowMillis, new java.security.SecureRandom().nextLong());
        write(REQUEST + id, store + " " + deadlineMillis);
        return id;
    }

    /**
     * The newest request still waited for, if any. Older ones are answered as superseded, and those whose client
     * stopped waiting are dropped.
     */
    Optional<Asked> pending(long nowMillis) throws IOException {
        List<Asked> waiting = new ArrayList<>();
        for (Path file : files(REQUEST)) {
            String id = file.getFileName().toString().substring(REQUEST.length());
            Optional<String> text = read(file);
            String[] parts = text.map(t -> t.trim().split(" ")).orElse(new String[0]);
            long deadline = parts.length == 2 && parts[1].matches("[0-9]{1,19}") ? Long.parseLong(parts[1]) : 0;
            if (deadline < nowMillis) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir.resolve(OUTCOME + id));
            } else {
                waiting.add(new Asked(id, parts[0], deadline));
            }
        }
        waiting.sort(Comparator.comparing(Asked::id));
        for (Asked older : waiting.subList(0, Math.max(0, waiting.size() - 1))) {
            answer(older, Outcome.REFUSED, "a later kv promote asked for another switchover");
        }
        return waiting.isEmpty() ? Optional.empty() : Optional.of(waiting.get(waiting.size() - 1));
    }

    /** The supervisor's answer; a finished one also ends the request. */
    void answer(Asked asked, String state, String message) throws IOException {
        Path request = dir.resolve(REQUEST + asked.id());
        if (!Files.exists(request)) {
            return; // withdrawn meanwhile: no one reads the answer
        }
        write(OUTCOME + asked.id(), state + " " + message.replace('\n', ' '));
        if (Outcome.DONE.equals(state) || Outcome.REFUSED.equals(state)) {
            Files.deleteIfExists(request);
        } else if (!Files.exists(request)) {
            // withdrawn while the answer was written (withdraw deletes the request first): no file left behind
            Files.deleteIfExists(dir.resolve(OUTCOME + asked.id()));
        }
    }

    /** The supervisor's last answer to request {@code id}, if any. */
    public Optional<Outcome> outcome(String id) throws IOException {
        return read(dir.resolve(OUTCOME + id)).map(text -> {
            String[] parts = text.trim().split(" ", 2);
            return new Outcome(id, parts[0], parts.length == 2 ? parts[1] : "");
        });
    }

    /** Takes request {@code id} back and its answer with it (the client's own files only). */
    public void withdraw(String id) throws IOException {
        Files.deleteIfExists(dir.resolve(REQUEST + id));
        Files.deleteIfExists(dir.resolve(OUTCOME + id));
    }

    /** Every request and answer left by a {@code kv local} before this one: none is carried out by this one. */
    void clearAll() throws IOException {
        for (Path file : files(REQUEST)) {
            Files.deleteIfExists(file);
        }
        for (Path file : files(OUTCOME)) {
            Files.deleteIfExists(file);
        }
    }

    private List<Path> files(String prefix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> all = Files.list(dir)) {
            return all.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && !f.getFileName().toString().contains(".tmp")).toList();
        }
    }

    private static Optional<String> read(Path file) throws IOException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whole or not at all: a reader never sees half a line (a request, not data: no fsync needed). */
    private void write(String file, String text) throws IOException {
        Path tmp = dir.resolve(file + ".tmp-" + ProcessHandle.current().pid());
        Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
