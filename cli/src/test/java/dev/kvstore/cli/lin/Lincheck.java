package dev.kvstore.cli.lin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs the linearizability checker (hack/lincheck, porcupine) on a recorded history and keeps its
 * HTML visualization beside it. The checker's path comes from {@code KV_LINCHECK}, which ./test
 * sets from {@code hack/lincheck.sh}; without it the test fails saying so (never skipped).
 */
public final class Lincheck {

    /** The checker's verdict: its exit status (0 linearizable, 1 not, 2 timed out or bad input) and its summary line. */
    public record Verdict(int exitStatus, String output, Path history, Path visualization) {
        public boolean linearizable() {
            return exitStatus == 0;
        }

        /** How many reads the checker counted (a history without reads shows no stale read). */
        public long reads() {
            java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\((\\d+) reads").matcher(output);
            return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
        }

        @Override
        public String toString() {
            return output.strip() + " (history " + history + ", visualization " + visualization + ")";
        }
    }

    private Lincheck() {
    }

    public static Path binary() {
        String path = System.getenv("KV_LINCHECK");
        if (path == null || path.isBlank() || !Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException("the linearizability checker is missing (KV_LINCHECK=" + path
                    + "): run `export KV_LINCHECK=$(hack/lincheck.sh | tail -n1)` (./test does)");
        }
        return Path.of(path);
    }

    /** Writes {@code history} to {@code dir}/{@code name}.jsonl and checks it; the visualization goes to {@code name}.html. */
    public static Verdict check(History history, Path dir, String name) throws IOException, InterruptedException {
        Path file = dir.resolve(name + ".jsonl");
        history.writeTo(file);
        return check(file, dir.resolve(name + ".html"));
    }

    public static Verdict check(Path historyFile, Path visualization) throws IOException, InterruptedException {
        Command checker = Command.run(List.of(binary().toString(), "-history", historyFile.toString(),
                "-html", visualization.toString(), "-timeout", "120s"), Duration.ofSeconds(150));
        return new Verdict(checker.exitStatus(), checker.output(), historyFile, visualization);
    }

    /**
     * Checks {@code history} (kept as {@code name}) and asserts it linearizable, with at least
     * {@code minReads} reads the store claimed linearizable among it (fewer could pass vacuously).
     */
    public static Verdict assertLinearizable(History history, String name, long minReads, String context)
            throws IOException, InterruptedException {
        Verdict verdict = check(history, artifacts(), name);
        System.out.println(name + ": " + verdict);
        org.assertj.core.api.Assertions.assertThat(verdict.linearizable()).as(verdict + context).isTrue();
        org.assertj.core.api.Assertions.assertThat(verdict.reads())
                .as("reads the store claimed linearizable, in the check").isGreaterThan(minReads);
        return verdict;
    }

    /** Where a test keeps its histories: target/lincheck (the build's artifacts). */
    public static Path artifacts() throws IOException {
        return Files.createDirectories(Path.of("target", "lincheck"));
    }
}
