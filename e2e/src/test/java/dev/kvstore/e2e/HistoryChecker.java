package dev.kvstore.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the linearizability checker (hack/lincheck, porcupine) on a history and keeps the history and the checker's
 * HTML visualization under target/histories. Its path comes from {@code KV_LINCHECK}, which hack/kind-e2e.sh sets
 * from hack/lincheck.sh; without it the check fails saying so (never skipped).
 */
final class HistoryChecker {

    /** The checker's exit status (0 linearizable, 1 not, 2 timed out or bad input) and its summary. */
    record Verdict(int exitStatus, String output, Path history) {
        boolean linearizable() {
            return exitStatus == 0;
        }
    }

    private static final Path DIR = Path.of("target", "histories");

    private HistoryChecker() {
    }

    static Verdict check(List<RespHistory.Op> ops, String name) throws IOException, InterruptedException {
        String binary = System.getenv("KV_LINCHECK");
        if (binary == null || binary.isBlank() || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("the linearizability checker is missing (KV_LINCHECK=" + binary + "): run "
                    + "`export KV_LINCHECK=$(hack/lincheck.sh | tail -n1)` (hack/kind-e2e.sh does)");
        }
        Files.createDirectories(DIR);
        Path history = DIR.resolve(name + ".jsonl");
        Files.writeString(history, RespHistory.toJsonLines(ops));
        // its output to a file, read once it ended: a read of a pipe would wait for the end whatever the timeout
        Path said = DIR.resolve(name + ".out");
        Process checker = new ProcessBuilder(binary, "-history", history.toString(), "-html",
                DIR.resolve(name + ".html").toString(), "-timeout", "120s").redirectErrorStream(true)
                .redirectOutput(said.toFile()).start();
        if (!checker.waitFor(150, TimeUnit.SECONDS)) {
            checker.destroyForcibly();
            return new Verdict(2, "the checker did not end in 150 s: " + Files.readString(said), history);
        }
        return new Verdict(checker.exitValue(), Files.readString(said, StandardCharsets.UTF_8).strip(), history);
    }
}
