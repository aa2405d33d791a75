package dev.kvstore.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One Redis (no replica, no persistence) listening in clear and over TLS at once, with a certificate the
 * benchmark made: the reference for what TLS costs a server under redis-benchmark on these cores, the same
 * process measured both ways.
 */
final class RedisWithTls implements AutoCloseable {

    private final Process process;
    private final int plainPort;

    private RedisWithTls(Process process, int plainPort) {
        this.process = process;
        this.plainPort = plainPort;
    }

    /** Listens on {@code plainPort} in clear and on {@code plainPort + 1} over TLS (clients show no certificate). */
    static RedisWithTls start(String server, Path dir, int plainPort, Path certificate, Path key, Path ca)
            throws Exception {
        Files.createDirectories(dir);
        List<String> command = List.of(server, "--port", Integer.toString(plainPort),
                "--tls-port", Integer.toString(plainPort + 1),
                // absolute: the server changes to --dir before it reads them
                "--tls-cert-file", certificate.toAbsolutePath().toString(), "--tls-key-file", key.toAbsolutePath().toString(),
                "--tls-ca-cert-file", ca.toAbsolutePath().toString(), "--tls-auth-clients", "no",
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString(),
                "--daemonize", "no", "--protected-mode", "no");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        RedisWithTls redis = new RedisWithTls(process, plainPort);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server with --tls-port exited at start (a build without TLS?); see "
                        + dir.resolve("redis.log"));
            }
            try (RespClient client = new RespClient("127.0.0.1", plainPort)) {
                client.call(RespClient.command("PING"));
                return redis;
            } catch (IOException starting) {
                Thread.sleep(100); // not up yet
            }
        }
        redis.close();
        throw new IOException("redis-server did not answer within 20 s; see " + dir.resolve("redis.log"));
    }

    int plainPort() {
        return plainPort;
    }

    int tlsPort() {
        return plainPort + 1;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
