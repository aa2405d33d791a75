package dev.kvstore.kubectl;

import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command in a container and returns its exit code and its whole output, stdout and stderr each read from
 * the exec's own stream to its end (on a thread each: the client asks for the next frame only as one is read, so
 * a stream left unread would hold the other). A command that fails is a result, not an exception: the caller
 * decides what its output is worth.
 */
final class ContainerExec {

    record Result(int exitCode, String out, String err) {
    }

    /** Each stream read on its own thread: one not read would stop the other (the client asks for frames as read). */
    private static final Executor READERS = runnable -> {
        Thread thread = new Thread(runnable, "kubectl-kv-exec-reader");
        thread.setDaemon(true);
        thread.start();
    };

    private ContainerExec() {
    }

    static Result run(ContainerResource container, Duration timeout, String... argv) throws Exception {
        try (ExecWatch watch = container.redirectingOutput().redirectingError().exec(argv)) {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(watch.getOutput()), READERS);
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(watch.getError()), READERS);
            long deadline = System.nanoTime() + timeout.toNanos();
            Integer code = watch.exitCode().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Result(code == null ? -1 : code, out.get(remaining(deadline), TimeUnit.NANOSECONDS),
                    err.get(remaining(deadline), TimeUnit.NANOSECONDS));
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /**
     * All the stream gives. After a non-zero exit status the client's stream ends with an IOException once its
     * frames are drained, not with end-of-stream: what was read by then is the output (the exit code says how the
     * command ended; a connection that failed completes the exit code exceptionally).
     */
    private static String readAll(InputStream stream) {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (stream) {
            for (int n; (n = stream.read(chunk)) >= 0; ) {
                read.write(chunk, 0, n);
            }
        } catch (IOException endedWithTheCommandsFailure) {
            // what was read is kept
        }
        return read.toString(StandardCharsets.UTF_8);
    }
}
