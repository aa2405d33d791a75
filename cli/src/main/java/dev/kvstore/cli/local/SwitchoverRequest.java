package dev.kvstore.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A planned switchover asked of a running {@code kv local} ({@code kv promote}): the local counterpart of a KVCluster's
 * {@code spec.switchover}, by two files of the cluster directory. {@code kv promote} writes the request (an id and the
 * store), the supervisor carries it out in its own pass (never beside a failover it is running) and writes what came
 * of it under the same id, so an answer to an earlier request is never taken for this one's.
 */
public final class SwitchoverRequest {

    static final String REQUEST = "switchover-request";
    static final String OUTCOME = "switchover-outcome";

    /** What {@code kv promote} asked. */
    public record Asked(String id, String store) {
    }

    /**
     * What came of a request: {@code done} (the store is primary), {@code refused} (it never will be as asked: no
     * such store, or a store fenced for maintenance), or waiting (tried again at the next pass), with the words.
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

    /** Asks for {@code store} as primary; answers the request's id. */
    public String ask(String store) throws IOException {
        String id = Long.toHexString(System.nanoTime()) + Long.toHexString(new java.security.SecureRandom().nextLong());
        write(REQUEST, id + " " + store);
        return id;
    }

    /** The request, if one waits. */
    public Optional<Asked> asked() throws IOException {
        return read(REQUEST).map(text -> {
            String[] parts = text.trim().split(" ", 2);
            return parts.length == 2 ? new Asked(parts[0], parts[1]) : null;
        });
    }

    /** Takes the request back, if it is still this one (a later {@code kv promote} may have replaced it). */
    public void withdraw(String id) throws IOException {
        Optional<Asked> now = asked();
        if (now.isPresent() && now.get().id().equals(id)) {
            Files.deleteIfExists(dir.resolve(REQUEST));
        }
    }

    /** The supervisor's answer; a finished one also ends the request. */
    void answer(Asked asked, String state, String message) throws IOException {
        write(OUTCOME, asked.id() + " " + state + " " + message.replace('\n', ' '));
        if (DONE_OR_REFUSED.contains(state)) {
            withdraw(asked.id());
        }
    }

    private static final java.util.Set<String> DONE_OR_REFUSED = java.util.Set.of(Outcome.DONE, Outcome.REFUSED);

    /** The last answer, if it is to request {@code id}. */
    public Optional<Outcome> outcome(String id) throws IOException {
        return read(OUTCOME).map(text -> {
            String[] parts = text.trim().split(" ", 3);
            return parts.length == 3 && parts[0].equals(id) ? new Outcome(parts[0], parts[1], parts[2]) : null;
        });
    }

    private Optional<String> read(String file) throws IOException {
        try {
            return Optional.of(Files.readString(dir.resolve(file), StandardCharsets.UTF_8));
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
