package dev.kvstore.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A Redis primary and one replica on loopback, started for the benchmark and killed after it. */
final class RedisPair implements AutoCloseable {

    private final String server;
    private final Path dir;
    private final int port;
    private final List<String> persistence;
    private Process primary;
    private Process replica;

    /** Without persistence, as Debian ships it with save off. */
    RedisPair(String server, Path dir, int port) {
        this(server, dir, port, List.of("--appendonly", "no"));
    }

    /** {@code persistence}: the primary's and replica's persistence options, e.g. an AOF fsynced always. */
    RedisPair(String server, Path dir, int port, List<String> persistence) {
        this.server = server;
        this.dir = dir;
        this.port = port;
        this.persistence = persistence;
    }

    /** Redis's nearest to our durability: every write appended and fsynced before it is answered. */
    static List<String> appendFsyncAlways() {
        return List.of("--appendonly", "yes", "--appendfsync", "always");
    }

    int primaryPort() {
        return port;
    }

    void start() throws Exception {
        Files.createDirectories(dir.resolve("primary"));
        Files.createDirectories(dir.resolve("replica"));
        primary = launch(dir.resolve("primary"), port, List.of());
        replica = launch(dir.resolve("replica"), port + 1, List.of("--replicaof", "127.0.0.1", Integer.toString(port)));
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (RespClient client = new RespClient("127.0.0.1", port)) {
                if (Long.parseLong(client.call(RespClient.command("WAIT", "1", "200"))[0]) >= 1) {
                    return;
                }
            } catch (IOException starting) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new IOException("redis replica did not connect within 20 s; see " + dir);
    }

    private Process launch(Path workDir, int listenPort, List<String> extra) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(server, "--port", Integer.toString(listenPort),
                "--bind", "127.0.0.1", "--save", "", "--dir", workDir.toAbsolutePath().toString(),
                "--daemonize", "no", "--protected-mode", "no"));
        command.addAll(persistence);
        command.addAll(extra);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis.log").toFile()).start();
    }

    @Override
    public void close() {
        for (Process process : new Process[]{replica, primary}) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }
}
