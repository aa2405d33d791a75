package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The drill's read-back script run as the writer pod runs it (bash, redis-cli), against a real redis-server on this
 * machine (hack/test-tools.sh installs both; a missing one fails here with its name), and its output parsed as the
 * drill parses it.
 */
class DrillReaderTest {

    private Process server;
    private int port;

    @BeforeEach
    void startRedis() throws Exception {
        port = freePort();
        server = new ProcessBuilder(tool("redis-server"), "--port", Integer.toString(port), "--save", "",
                "--appendonly", "no", "--bind", "127.0.0.1").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(cli("PING").strip()).as("redis-server on port %d answers PING", port).isEqualTo("PONG"));
    }

    @AfterEach
    void stopRedis() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void each_key_reads_back_as_its_value_or_absent_then_the_end_mark() throws Exception {
        cli("SET", "p-1", "v1");
        cli("SET", "p-3", "v3");

        ReadBackBatch batch = ReadBackBatch.parse(reader(1, 4), 1, 4);

        assertThat(batch.trouble()).isNull();
        assertThat(batch.values()).containsExactly(java.util.Map.entry(1L, "v1"), java.util.Map.entry(2L, ""),
                java.util.Map.entry(3L, "v3"), java.util.Map.entry(4L, ""));
    }

    @Test
    void a_server_that_cannot_be_reached_gives_no_values_to_count_as_lost() throws Exception {
        cli("SET", "p-1", "v1");
        server.destroy();
        server.waitFor(10, TimeUnit.SECONDS);

        ReadBackBatch batch = ReadBackBatch.parse(reader(1, 2), 1, 2);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.trouble()).contains("Connection refused");
    }

    private String reader(long from, long to) throws Exception {
        ProcessBuilder bash = new ProcessBuilder("bash", "-c", DrillPod.READER, "reader", Long.toString(from),
                Long.toString(to));
        bash.environment().putAll(java.util.Map.of("KV_PREFIX", "p", "KV_SERVICE", "127.0.0.1", "KV_TLS", "",
                "KV_PORT", Integer.toString(port)));
        return run(bash);
    }

    private String cli(String... command) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of(tool("redis-cli"), "-p", Integer.toString(port)));
        argv.addAll(List.of(command));
        return run(new ProcessBuilder(argv));
    }

    /** Its output to a file, read once it ended: a read of a pipe would wait for the end whatever the timeout. */
    private static String run(ProcessBuilder builder) throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createTempFile("drill-reader", ".out");
        try {
            Process process = builder.redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = process.waitFor(30, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            assertThat(ended).as("%s ends", builder.command()).isTrue();
            return java.nio.file.Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    private static String tool(String name) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (new java.io.File(dir, name).canExecute()) {
                return name;
            }
        }
        throw new AssertionError(name + " is not on PATH: run hack/test-tools.sh (Debian's redis-server and redis-tools)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
