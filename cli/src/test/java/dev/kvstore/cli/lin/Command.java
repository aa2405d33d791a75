package dev.kvstore.cli.lin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A command the fault tests run (ip, iptables, tc, the checker): its exit status and what it printed. */
record Command(int exitStatus, String output) {

    /**
     * Runs {@code command} to its end, at most {@code limit}: its output is read while it runs (a full
     * pipe would block it), and one still running at the limit is killed and reported.
     */
    static Command run(List<String> command, Duration limit) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + limit.toSeconds() + " s");
        }
        return new Command(process.exitValue(), output.join());
    }
}
