package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalCluster;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.LocalTls;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.tls.SslContexts;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
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
 * The client ports (Redis protocol, HTTP) of real store processes showing a certificate of the user's
 * ({@code kv.tls-client-dir}: a {@code kubernetes.io/tls} Secret as cert-manager writes it, RSA with a
 * PKCS#1 key and an intermediate), while replication, admin and metrics keep the cluster's CA: clients
 * that trust the user's CA write and read on every store, clients that trust only the cluster's are
 * refused, and a renewal is served without a restart, never half written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientPortCertificateIT {

    private static final String HOST = "127.0.0.1";

    private Path tlsRoot;
    private Path clientDir;
    private UserCertificates users;
    private String clusterCaPem;
    private ClusterFixture fixture;

    @BeforeAll
    void start() throws Exception {
        tlsRoot = Files.createTempDirectory("kv-client-cert");
        String storeDir = LocalTls.ensure(tlsRoot, List.of(LocalCluster.storeName(0), LocalCluster.storeName(1),
                LocalCluster.storeName(2)));
        clusterCaPem = Files.readString(tlsRoot.resolve("tls").resolve("ca.crt"));
        users = UserCertificates.create("users-ca");
        clientDir = tlsRoot.resolve("client-ports");
        users.issueInto(clientDir, List.of("localhost"), List.of(HOST));
        fixture = new ClusterFixture("client-cert", LocalClusterSettings.defaults(3)
                .with(LocalTls.STORE_PROPERTY, storeDir).with(LocalTls.CLIENT_PORTS_PROPERTY, clientDir.toString())
                .with("kv.tls-reload-millis", "500")).start();
    }

    @AfterAll
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theRedisAndHttpPortsShowTheUsersCertificateAndItsClientsWriteAndReadOnEveryStore() throws Exception {
        NodeProcess primary = fixture.primary();
        SSLContext trustingUsersCa = SslContexts.of(users.rootPem(), null, null);
        Path usersCa = Files.writeString(tlsRoot.resolve("users-root.crt"), users.rootPem());

        // the certificate in the directory now (the renewal test may have run first)
        BigInteger current = dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(
                Files.readString(clientDir.resolve("tls.crt"))).getSerialNumber();
        assertThat(served(primary.respPort(), trustingUsersCa).getSerialNumber()).isEqualTo(current);
        assertThat(served(URI.create(primary.httpUrl()).getPort(), trustingUsersCa).getSerialNumber()).isEqualTo(current);
        try (Jedis jedis = jedis(primary.respPort(), trustingUsersCa)) {
            assertThat(jedis.set("client-cert:jedis", "rsa")).isEqualTo("OK");
        }
        RedisTools.Result set = RedisTools.redisCli(primary.respPort(), "--tls", "--cacert", usersCa.toString(),
                "SET", "client-cert:cli", "chain");
        assertThat(set.stdout().strip()).as(set.all()).isEqualTo("OK");
        // replication runs on the cluster's CA, untouched: the writes reach every secondary
        for (NodeProcess secondary : fixture.secondaries()) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                RedisTools.Result got = RedisTools.redisCli(secondary.respPort(), "--tls", "--cacert", usersCa.toString(),
                        "MGET", "client-cert:jedis", "client-cert:cli");
                assertThat(got.stdout().strip()).as(secondary.name() + ": " + got.all()).isEqualTo("rsa\nchain");
            });
        }
        assertThat(Files.readString(primary.logFile())).contains("the Redis-protocol and HTTP ports show the certificate[CN=kv-clients");
    }

    @Test
    void clientsTrustingOnlyTheClustersCaAreRefusedThereWhileReplicationAdminAndMetricsShowTheClustersCertificate()
            throws Exception {
        NodeProcess primary = fixture.primary();
        SSLContext trustingClusterCa = SslContexts.of(clusterCaPem, null, null);
        assertThatThrownBy(() -> served(primary.respPort(), trustingClusterCa)).isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        assertThatThrownBy(() -> served(URI.create(primary.httpUrl()).getPort(), trustingClusterCa))
                .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);

        String clusterCa = dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(clusterCaPem).getSubjectX500Principal().getName();
        assertThat(served(URI.create(primary.managementUrl()).getPort(), trustingClusterCa).getIssuerX500Principal().getName())
                .as("the metrics port").isEqualTo(clusterCa);
        Path operator = tlsRoot.resolve("tls").resolve("operator");
        SSLContext asOperator = SslContexts.forClusterMembers(clusterCaPem, Files.readString(operator.resolve("tls.crt")),
                Files.readString(operator.resolve("tls.key")));
        String replication = primary.replicationAddress();
        assertThat(served(Integer.parseInt(replication.substring(replication.lastIndexOf(':') + 1)), asOperator)
                .getIssuerX500Principal().getName()).as("the replication port").isEqualTo(clusterCa);
        // the admin port answers the operator's certificate (of the cluster's CA) as before
        String secret = Files.readString(fixture.cluster.dir().resolve("secret")).trim();
        dev.kvstore.core.admin.AdminClient admin = new dev.kvstore.core.admin.AdminClient(secret, Duration.ofSeconds(5),
                url -> null, SslContexts.of(clusterCaPem, Files.readString(operator.resolve("tls.crt")),
                        Files.readString(operator.resolve("tls.key"))));
        assertThat(admin.status(primary.adminUrl()).role()).isEqualToIgnoringCase("primary");
        assertThat(admin.status(fixture.secondaries().get(0).adminUrl()).role()).isEqualToIgnoringCase("secondary");
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestartWhileWritesGoOnAndAHalfWrittenOneNeverIs() throws Exception {
        NodeProcess primary = fixture.primary();
        long pid = primary.pid();
        SSLContext trustingUsersCa = SslContexts.of(users.rootPem(), null, null);
        BigInteger before = served(primary.respPort(), trustingUsersCa).getSerialNumber();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Jedis jedis = jedis(primary.respPort(), trustingUsersCa)) {
                while (writing.get()) {
                    jedis.set("client-renewal:" + acknowledged.get(), "v");
                    acknowledged.incrementAndGet();
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > 50);

        // half a renewal: a new key beside the old certificate, for several reload periods
        String oldCertificate = Files.readString(clientDir.resolve("tls.crt"));
        Path staging = tlsRoot.resolve("staging");
        BigInteger renewed = users.issueInto(staging, List.of("localhost"), List.of(HOST));
        Files.copy(staging.resolve("tls.key"), clientDir.resolve("tls.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(primary.logFile()).contains("not taken"));
        // three reload periods more: still the certificate before
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(served(primary.respPort(), trustingUsersCa).getSerialNumber()).as("while half written")
                        .isEqualTo(before));
        assertThat(Files.readString(clientDir.resolve("tls.crt"))).isEqualTo(oldCertificate);

        Files.copy(staging.resolve("tls.crt"), clientDir.resolve("tls.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(served(primary.respPort(), trustingUsersCa).getSerialNumber()).isEqualTo(renewed));
        assertThat(served(URI.create(primary.httpUrl()).getPort(), trustingUsersCa).getSerialNumber()).as("the HTTP port")
                .isEqualTo(renewed);
        int atRenewal = acknowledged.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > atRenewal + 50 || failed.get() != null);
        writing.set(false);
        writer.join(10_000);

        assertThat(failed.get()).as("the writer's connection, open across the renewal").isNull();
        assertThat(primary.pid()).isEqualTo(pid);
        try (Jedis jedis = jedis(primary.respPort(), trustingUsersCa)) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < acknowledged.get(); i++) {
                keys.add("client-renewal:" + i);
            }
            assertThat(jedis.mget(keys.toArray(String[]::new))).as("every acknowledged write").containsOnly("v");
        }
    }

    private static Jedis jedis(int port, SSLContext tls) {
        return new Jedis(new HostAndPort(HOST, port), DefaultJedisClientConfig.builder().ssl(true)
                .sslSocketFactory(tls.getSocketFactory()).timeoutMillis(8000).build());
    }

    private static X509Certificate served(int port, SSLContext tls) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(HOST, port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
