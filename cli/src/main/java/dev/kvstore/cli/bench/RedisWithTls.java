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
        try {
            redis.awaitAnswering(dir);
            return redis;
        } catch (Exception | Error e) {
            redis.close();
            throw e;
        }
    }

    /**
     * Until this process answers on the plain port: its own process id in {@code INFO server}, so that a server
     * left on the port by an earlier run is never the one measured (this one would then exit, unable to bind).
     */
    private void awaitAnswering(Path dir) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server with --tls-port exited at start (a build without TLS, or port "
                        + plainPort + " or " + tlsPort() + " taken?); see " + dir.resolve("redis.log"));
            }
            try (RespClient client = new RespClient("127.0.0.1", plainPort)) {
                String info = client.call(RespClient.command("INFO", "server"))[0];
                if (info.contains("process_id:" + process.pid() + "\r\n")) {
                    return;
                }
                throw new IOException("another redis-server answers on port " + plainPort + ": stop it first");
            } catch (java.net.ConnectException starting) {
                Thread.sleep(100); // not listening yet
            }
        }
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
        try {
            process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS); // its ports free before anything else binds them
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
