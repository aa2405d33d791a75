package dev.kvstore.backup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API on loopback: moto's server (hack/s3-server.sh, ./test exports KV_S3_SERVER) as a process of
 * its own. The SDK finds credentials in system properties; moto takes any.
 */
public final class S3Server implements AutoCloseable {

    private final Process process;
    public final String endpoint;

    public S3Server() throws IOException, InterruptedException {
        String binary = System.getenv("KV_S3_SERVER");
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("moto's S3 server is missing (KV_S3_SERVER=" + binary + "): run "
                    + "`export KV_S3_SERVER=$(hack/s3-server.sh | tail -n1)` (./test does)");
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        System.setProperty("aws.accessKeyId", "kvtest");
        System.setProperty("aws.secretAccessKey", "kvtest-secret");
        process = new ProcessBuilder(binary, "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        endpoint = "http://127.0.0.1:" + port;
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .pollInterval(java.time.Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("moto_server exited with " + process.exitValue());
                        }
                        try (Socket socket = new Socket()) {
                            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                            return true;
                        }
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IOException("moto_server did not listen on " + port + " within 30 s", e);
        }
    }

    /** A client of this server, for what the test does beside the code under test (make a bucket, look). */
    public S3Client client() {
        return S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.US_EAST_1)
                .forcePathStyle(true).endpointOverride(java.net.URI.create(endpoint)).build();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
