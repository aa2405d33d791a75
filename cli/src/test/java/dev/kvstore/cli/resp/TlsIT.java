package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalCluster;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.LocalTls;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.core.tls.SslContexts;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * TLS on the Redis-protocol, HTTP, metrics, replication and admin ports of real store processes ({@code kv local
 * --tls}'s CA and certificates): redis-cli and Jedis over TLS 1.3, replication between stores over
 * mutual TLS, the admin port open to the operator's certificate alone, refusals of plain TCP, of
 * another CA, of another cluster's store and of an expired certificate, and a renewed certificate
 * served without a restart while writes go on.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsIT {

    private static final String HOST = "127.0.0.1";

    private Path tlsRoot;
    private Path caFile;
    private CertificateAuthority ca;
    private ClusterFixture fixture;

    @BeforeAll
    void start() throws Exception {
        tlsRoot = Files.createTempDirectory("kv-tls");
        String storeDir = LocalTls.ensure(tlsRoot, List.of(LocalCluster.storeName(0), LocalCluster.storeName(1),
                LocalCluster.storeName(2)));
        caFile = tlsRoot.resolve("tls").resolve("ca.crt");
        ca = CertificateAuthority.fromPem(Files.readString(caFile), Files.readString(tlsRoot.resolve("tls").resolve("ca.key")));
        fixture = new ClusterFixture("tls", LocalClusterSettings.defaults(3)
                .with(LocalTls.STORE_PROPERTY, storeDir).with("kv.tls-reload-millis", "500")).start();
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void redisCliAndJedisWriteOverTls13AndTheWriteReachesEverySecondaryOverMutualTls() throws Exception {
        NodeProcess primary = fixture.primary();
        RedisTools.Result set = redisCli(primary.respPort(), "--cacert", caFile.toString(), "SET", "tls:cli", "over-tls");
        assertThat(set.stdout().strip()).as(set.all()).isEqualTo("OK");

        try (Jedis jedis = jedis(primary.respPort(), SslContexts.of(ca.certificatePem(), null, null))) {
            assertThat(jedis.set("tls:jedis", "also")).isEqualTo("OK");
            assertThat(jedis.get("tls:cli")).isEqualTo("over-tls");
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                RedisTools.Result got = redisCli(secondary.respPort(), "--cacert", caFile.toString(), "GET", "tls:jedis");
                assertThat(got.stdout().strip()).as(secondary.name() + ": " + got.all()).isEqualTo("also");
            });
        }
        assertThat(negotiatedProtocol(primary.respPort(), SslContexts.of(ca.certificatePem(), null, null)))
                .isEqualTo("TLSv1.3");
        // every test here runs on the stores' default engine, BoringSSL: it must have loaded on this machine
        assertThat(Files.readString(primary.logFile())).contains("TLS on every port (OpenSSL (BoringSSL) engine)");
    }

    @Test
    void storesOnTheJdksTlsEngineServeClientsAndReplicateAlike() throws Exception {
        String storeDir = tlsRoot.resolve("tls").resolve(NodeProcess.NODE_NAME).toString();
        try (ClusterFixture jdk = new ClusterFixture("tls-jdk", LocalClusterSettings.defaults(2)
                .with(LocalTls.STORE_PROPERTY, storeDir).with("kv.tls-engine", "jdk")).start()) {
            NodeProcess primary = jdk.primary();
            assertThat(Files.readString(primary.logFile())).contains("TLS on every port (JDK engine)");
            try (Jedis jedis = jedis(primary.respPort(), SslContexts.of(ca.certificatePem(), null, null))) {
                assertThat(jedis.set("tls:jdk", "engine")).isEqualTo("OK");
            }
            NodeProcess secondary = jdk.secondaries().get(0);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                RedisTools.Result got = redisCli(secondary.respPort(), "--cacert", caFile.toString(), "GET", "tls:jdk");
                assertThat(got.stdout().strip()).as(got.all()).isEqualTo("engine");
            });
            assertThat(jdk.client.get(primary.httpUrl(), "tls:jdk").value().map(String::new)).contains("engine");
        }
    }

    @Test
    void plainTcpOnTheRespPortIsNeverAnsweredAndStoresNothing() throws Exception {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(HOST, fixture.primary().respPort()), 2000);
            plain.setSoTimeout(5000);
            plain.getOutputStream().write("SET tls:plain stored\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            plain.getOutputStream().flush();
            String answered = readWhatComes(plain.getInputStream());
            assertThat(answered).doesNotContain("+OK").doesNotContain("PONG");
        }
        RedisTools.Result got = redisCli(fixture.primary().respPort(), "--cacert", caFile.toString(), "EXISTS", "tls:plain");
        assertThat(got.stdout().strip()).as(got.all()).isEqualTo("0");
    }

    @Test
    void theHttpPortSpeaksTls13OnlyAndAPlainRequestIsNeverAnsweredAndStoresNothing() throws Exception {
        NodeProcess primary = fixture.primary();
        assertThat(primary.httpUrl()).startsWith("https://");
        int httpPort = URI.create(primary.httpUrl()).getPort();
        assertThat(negotiatedProtocol(httpPort, SslContexts.of(ca.certificatePem(), null, null))).isEqualTo("TLSv1.3");

        // curl, the tool users have, with the cluster's CA: the write is acknowledged and reads back
        assertThat(curl("-X", "PUT", "--data-binary", "over-https", "--cacert", caFile.toString(),
                "https://" + HOST + ":" + httpPort + "/v1/kv/tls:http")).isEqualTo("200");
        assertThat(curl("--cacert", caFile.toString(), "https://" + HOST + ":" + httpPort + "/v1/kv/tls:http"))
                .isEqualTo("200");
        // nothing older than TLS 1.3: a client that offers 1.2 at most gets no answer
        assertThat(curl("--cacert", caFile.toString(), "--tlsv1.2", "--tls-max", "1.2",
                "https://" + HOST + ":" + httpPort + "/v1/kv/tls:http")).as("TLS 1.2 at most").isEqualTo("000");
        // the same request in clear: no HTTP answer at all, and nothing stored
        assertThat(curl("-X", "PUT", "--data-binary", "in-clear", "http://" + HOST + ":" + httpPort + "/v1/kv/tls:http-plain"))
                .isEqualTo("000");
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(HOST, httpPort), 2000);
            plain.setSoTimeout(5000);
            plain.getOutputStream().write(("PUT /v1/kv/tls:http-plain HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
                    .getBytes(StandardCharsets.US_ASCII));
            plain.getOutputStream().flush();
            assertThat(readWhatComes(plain.getInputStream())).doesNotContain("HTTP/1.1");
        }
        assertThat(curl("--cacert", caFile.toString(), "https://" + HOST + ":" + httpPort + "/v1/kv/tls:http-plain"))
                .isEqualTo("404");
        // another CA's clients refuse the store
        CertificateAuthority other = CertificateAuthority.create("kv-local-ca", Instant.now(), Duration.ofDays(10));
        Path otherCa = Files.writeString(tlsRoot.resolve("other-http-ca.crt"), other.certificatePem());
        assertThat(curl("--cacert", otherCa.toString(), "https://" + HOST + ":" + httpPort + "/v1/kv/tls:http"))
                .isEqualTo("000");
    }

    @Test
    void clientsThatTrustAnotherCaRefuseTheStore() throws Exception {
        CertificateAuthority other = CertificateAuthority.create("kv-local-ca", Instant.now(), Duration.ofDays(10));
        Path otherCa = Files.writeString(tlsRoot.resolve("other-ca.crt"), other.certificatePem());

        RedisTools.Result refused = redisCli(fixture.primary().respPort(), "--cacert", otherCa.toString(), "SET", "tls:other", "x");
        assertThat(refused.stdout() + refused.stderr()).as(refused.all()).containsIgnoringCase("certificate verify failed");
        assertThatThrownBy(() -> negotiatedProtocol(fixture.primary().respPort(), SslContexts.of(other.certificatePem(), null, null)))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        RedisTools.Result got = redisCli(fixture.primary().respPort(), "--cacert", caFile.toString(), "EXISTS", "tls:other");
        assertThat(got.stdout().strip()).isEqualTo("0");
    }

    @Test
    void theReplicationPortTakesOnlyStoresWithAValidCertificateOfThisClustersCa() throws Exception {
        int replication = Integer.parseInt(fixture.primary().replicationAddress().split(":")[1]);
        Instant now = Instant.now();
        CertificateAuthority.Issued ours = ca.issue("kv-9", List.of("localhost"), List.of(HOST), now, Duration.ofDays(1));
        CertificateAuthority otherCluster = CertificateAuthority.create("kv-local-ca", now, Duration.ofDays(10));
        CertificateAuthority.Issued theirs = otherCluster.issue("kv-0", List.of("localhost"), List.of(HOST), now,
                Duration.ofDays(1));
        CertificateAuthority.Issued expired = ca.issue("kv-0", List.of("localhost"), List.of(HOST),
                now.minus(Duration.ofDays(3)), Duration.ofDays(1));

        assertThat(handshakeCompletes(replication, SslContexts.of(ca.certificatePem(), ours.certificatePem(), ours.keyPem())))
                .as("a store of this cluster").isTrue();
        assertThat(handshakeCompletes(replication, SslContexts.of(ca.certificatePem(), null, null)))
                .as("no client certificate").isFalse();
        assertThat(handshakeCompletes(replication, SslContexts.of(ca.certificatePem(), theirs.certificatePem(), theirs.keyPem())))
                .as("a store of another cluster").isFalse();
        assertThat(handshakeCompletes(replication, SslContexts.of(ca.certificatePem(), expired.certificatePem(), expired.keyPem())))
                .as("an expired certificate of this CA").isFalse();
    }

    @Test
    void theAdminPortAnswersTheOperatorsCertificateAloneNotAStoresNorNone() throws Exception {
        NodeProcess store = fixture.secondaries().get(0);
        String secret = Files.readString(fixture.cluster.dir().resolve("secret")).trim();
        Path operator = tlsRoot.resolve("tls").resolve("operator");
        SSLContext operatorTls = SslContexts.of(ca.certificatePem(), Files.readString(operator.resolve("tls.crt")),
                Files.readString(operator.resolve("tls.key")));
        assertThat(store.adminUrl()).startsWith("https://");

        AdminClient asOperator = new AdminClient(secret, Duration.ofSeconds(5), url -> null, operatorTls);
        assertThat(asOperator.status(store.adminUrl()).role()).isEqualToIgnoringCase("secondary");

        Path storeFiles = tlsRoot.resolve("tls").resolve(fixture.primary().name());
        SSLContext asAStore = SslContexts.of(ca.certificatePem(), Files.readString(storeFiles.resolve("tls.crt")),
                Files.readString(storeFiles.resolve("tls.key")));
        HttpResponse<String> storeCall = HttpClient.newBuilder().sslContext(asAStore).build().send(
                HttpRequest.newBuilder(URI.create(store.adminUrl() + "/v1/admin/status")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(storeCall.statusCode()).isEqualTo(403);
        assertThat(storeCall.body()).contains("operator's client certificate");

        AdminClient withoutCertificate = new AdminClient(secret, Duration.ofSeconds(5), url -> null,
                SslContexts.of(ca.certificatePem(), null, null));
        assertThatThrownBy(() -> withoutCertificate.fence(store.adminUrl(), 1_000_000)).isInstanceOf(IOException.class);
        // the operator's name on a certificate of another CA: the name alone is not enough (were the admin
        // port to trust any CA, the two refusals above would still pass)
        CertificateAuthority otherCa = CertificateAuthority.create("kv-ca", Instant.now(), Duration.ofDays(10));
        CertificateAuthority.Issued impostor = otherCa.issue("kvstore-operator", List.of(), List.of(), Instant.now(),
                Duration.ofDays(1));
        AdminClient asImpostor = new AdminClient(secret, Duration.ofSeconds(5), url -> null,
                SslContexts.forClusterMembers(ca.certificatePem(), impostor.certificatePem(), impostor.keyPem()));
        assertThatThrownBy(() -> asImpostor.fence(store.adminUrl(), 1_000_001)).isInstanceOf(IOException.class);
        assertThat(asOperator.status(store.adminUrl()).epoch()).isLessThan(1_000_000);
    }

    @Test
    void theMetricsPortSpeaksTls13OnlyWithTheStoresCertificate() throws Exception {
        NodeProcess primary = fixture.primary();
        assertThat(primary.managementUrl()).startsWith("https://");
        int metricsPort = URI.create(primary.managementUrl()).getPort();
        assertThat(negotiatedProtocol(metricsPort, SslContexts.of(ca.certificatePem(), null, null))).isEqualTo("TLSv1.3");

        assertThat(curl("--cacert", caFile.toString(), "https://" + HOST + ":" + metricsPort + "/metrics"))
                .as("Prometheus' scrape, trusting the cluster's CA").isEqualTo("200");
        assertThat(StoreMetricsOverTls.scrape(primary.managementUrl(), SslContexts.of(ca.certificatePem(), null, null)))
                .contains("kv_admin_refused_total");
        assertThat(curl("--cacert", caFile.toString(), "--tlsv1.2", "--tls-max", "1.2",
                "https://" + HOST + ":" + metricsPort + "/metrics")).as("TLS 1.2 at most").isEqualTo("000");
        assertThat(curl("http://" + HOST + ":" + metricsPort + "/metrics")).as("in clear").isEqualTo("000");
        CertificateAuthority other = CertificateAuthority.create("kv-local-ca", Instant.now(), Duration.ofDays(10));
        Path otherCa = Files.writeString(tlsRoot.resolve("other-metrics-ca.crt"), other.certificatePem());
        assertThat(curl("--cacert", otherCa.toString(), "https://" + HOST + ":" + metricsPort + "/metrics"))
                .as("a scraper that trusts another CA").isEqualTo("000");
        // and never on the client port
        assertThat(curl("--cacert", caFile.toString(), primary.httpUrl() + "/metrics")).isIn("401", "404");
    }

    @Test
    void aRenewedCertificateIsServedToNewConnectionsWithoutARestartWhileWritesGoOn() throws Exception {
        NodeProcess primary = fixture.primary();
        long pid = primary.pid();
        SSLContext trusting = SslContexts.of(ca.certificatePem(), null, null);
        BigInteger before = servedSerial(primary.respPort(), trusting);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Jedis jedis = jedis(primary.respPort(), trusting)) {
                while (writing.get()) {
                    jedis.set("renewal:" + acknowledged.get(), "v");
                    acknowledged.incrementAndGet();
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > 50);

        Path files = tlsRoot.resolve("tls").resolve(primary.name());
        CertificateAuthority.Issued renewed = ca.issue(primary.name(), List.of("localhost"), List.of(HOST), Instant.now(),
                Duration.ofDays(90));
        Files.writeString(files.resolve("tls.key"), renewed.keyPem());
        Files.writeString(files.resolve("tls.crt"), renewed.certificatePem());
        BigInteger expected = CertificateAuthority.Pem.certificate(renewed.certificatePem()).getSerialNumber();

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(servedSerial(primary.respPort(), trusting)).isEqualTo(expected));
        // the same files serve replication: its port shows the renewed certificate too
        int replicationPort = Integer.parseInt(primary.replicationAddress().substring(primary.replicationAddress().lastIndexOf(':') + 1));
        Path operator = tlsRoot.resolve("tls").resolve("operator");
        SSLContext asOperator = SslContexts.forClusterMembers(ca.certificatePem(), Files.readString(operator.resolve("tls.crt")),
                Files.readString(operator.resolve("tls.key")));
        assertThat(servedSerial(replicationPort, asOperator)).as("served on the replication port").isEqualTo(expected);
        assertThat(servedSerial(URI.create(primary.httpUrl()).getPort(), trusting)).as("served on the HTTP port")
                .isEqualTo(expected);
        assertThat(servedSerial(URI.create(primary.managementUrl()).getPort(), trusting)).as("served on the metrics port")
                .isEqualTo(expected);
        int atRenewal = acknowledged.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > atRenewal + 50 || failed.get() != null);
        writing.set(false);
        writer.join(10_000);

        assertThat(failed.get()).as("the writer's connection, open across the renewal").isNull();
        assertThat(before).as("a certificate was served before the renewal").isNotNull();
        assertThat(primary.pid()).isEqualTo(pid);
        try (Jedis jedis = jedis(primary.respPort(), trusting)) {
            for (int i = 0; i < acknowledged.get(); i++) {
                assertThat(jedis.get("renewal:" + i)).as("renewal:" + i).isEqualTo("v");
            }
        }
    }

    private static Jedis jedis(int port, SSLContext tls) {
        return new Jedis(new HostAndPort(HOST, port), DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(tls.getSocketFactory()).timeoutMillis(8000).build());
    }

    private static String negotiatedProtocol(int port, SSLContext tls) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(HOST, port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    private static BigInteger servedSerial(int port, SSLContext tls) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(HOST, port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /**
     * Whether a TLS connection with this context gets through the server's checks. In TLS 1.3 the
     * server judges the client's certificate after the client's handshake is done, so a refusal shows
     * as the connection closed (or an alert) at the first read, not in startHandshake.
     */
    private static boolean handshakeCompletes(int port, SSLContext tls) {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(HOST, port)) {
            socket.setSoTimeout(3000);
            socket.startHandshake();
            int read = socket.getInputStream().read();
            return read >= 0;
        } catch (java.net.SocketTimeoutException waiting) {
            // nothing said, connection still open: the server took the certificate and waits for a Hello
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static String readWhatComes(InputStream in) {
        StringBuilder read = new StringBuilder();
        byte[] buffer = new byte[512];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                read.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException closedOrSilent) {
            // a reset, or nothing more within the timeout: what came is what counts
        }
        return read.toString();
    }

    /** curl's HTTP status code for a request ({@code 000}: no HTTP answer), the body discarded. */
    private static String curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}"));
        command.addAll(List.of(args));
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        curl.waitFor();
        return out;
    }

    /** redis-cli over TLS (the Debian tool, found as the other Redis tests find it). */
    private static RedisTools.Result redisCli(int port, String... args) throws IOException, InterruptedException {
        List<String> withTls = new ArrayList<>(List.of("--tls"));
        withTls.addAll(List.of(args));
        return RedisTools.redisCli(port, withTls.toArray(String[]::new));
    }

    /** A scrape of the metrics port over TLS, as Prometheus makes it. */
    private static final class StoreMetricsOverTls {
        static String scrape(String metricsUrl, SSLContext tls) throws IOException, InterruptedException {
            HttpResponse<String> response = HttpClient.newBuilder().sslContext(tls).build().send(
                    HttpRequest.newBuilder(URI.create(metricsUrl + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        }
    }
}
