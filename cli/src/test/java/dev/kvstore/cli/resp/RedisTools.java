package dev.kvstore.cli.resp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Redis tools that no one here wrote: redis-cli from Debian and redis-py from PyPI, found
 * where hack/test-tools.sh puts them (the README's test command runs it). A missing tool fails the
 * test with what to run; nothing is skipped.
 */
final class RedisTools {

    record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return "exit " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private RedisTools() {
    }

    static String redisCli() {
        return onPath("redis-cli");
    }

    /** The python of the virtualenv that holds redis-py: $KV_REDIS_PY, or where hack/test-tools.sh makes it. */
    static String redisPy() {
        String given = System.getenv("KV_REDIS_PY");
        Path python = given != null && !given.isBlank() ? Path.of(given)
                : Path.of(System.getProperty("user.home"), ".cache", "kvcluster", "redis-py-8.1.0", "bin", "python");
        if (!Files.isExecutable(python)) {
            throw new IllegalStateException("redis-py missing (no " + python + "): run hack/test-tools.sh, "
                    + "which ./test runs, or set KV_REDIS_PY to a python with redis-py 8");
        }
        return python.toString();
    }

    static String onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(tool + " missing on PATH: run hack/test-tools.sh (./test does), "
                + "or apt-get install redis-tools");
    }

    static Result run(List<String> command, String stdin, long timeoutSeconds) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        // stdout and stderr drain on their own threads: a full pipe would stall the tool
        var out = new java.util.concurrent.CompletableFuture<String>();
        var err = new java.util.concurrent.CompletableFuture<String>();
        drain(process.getInputStream(), out);
        drain(process.getErrorStream(), err);
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    static Result redisCli(int port, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(redisCli(), "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        return run(command, null, 30);
    }

    private static void drain(java.io.InputStream stream, java.util.concurrent.CompletableFuture<String> into) {
        Thread thread = new Thread(() -> {
            try {
                into.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                into.complete("(unreadable: " + e + ")");
            }
        }, "drain");
        thread.setDaemon(true);
        thread.start();
    }
}
