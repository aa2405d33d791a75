package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.core.tls.SslContexts;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.tls.StoreTls;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The replication connections of a primary whose cluster CA is replaced (the operator's CA rotation), over
 * real TLS: once the old CA is dropped from its ca.crt, a connection made with a certificate of it (the
 * secondary's, or the one the primary showed) is closed, as one made with a rotated-away secret is; one made
 * with certificates of the new CA at both ends stays.
 */
class CaRotationReplicationTest {

    private static final Instant NOW = Instant.now();

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final CertificateAuthority oldCa = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(30));
    private final CertificateAuthority newCa = CertificateAuthority.create("kv-ca-2", NOW, Duration.ofDays(30));
    private StoreNode node;
    private ReplicationServer server;
    private StoreTls tls;

    private void start(String engine) throws Exception {
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        writeTls(tlsDir, oldCa, oldCa.certificatePem() + newCa.certificatePem());
        tls = StoreTls.from(tlsDir, null, vertx, 50, engine);
        NodeSettings settings = PrimarySessionTest.primarySettings(dir.resolve("data"), PrimarySessionTest.SECRET);
        node = new StoreNode(settings, GuardedDiskSync.system());
        server = new ReplicationServer(vertx, node, PrimarySessionTest.SECRET, tls);
        node.attach(server, (n, host, port, epoch) -> {
            throw new UnsupportedOperationException();
        });
        server.start("127.0.0.1", 0);
        node.promote(1, true);
    }

    @AfterEach
    void stop() throws Exception {
        for (RawSecondary secondary : returned) {
            secondary.close();
        }
        if (server != null) {
            server.stop();
            node.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The files of a kubernetes.io/tls Secret, as the kubelet writes them: a store certificate of {@code signer}. */
    private static void writeTls(Path tlsDir, CertificateAuthority signer, String caPem) throws IOException {
        CertificateAuthority.Issued issued = signer.issue("kv.apps", List.of("localhost"), List.of("127.0.0.1"), NOW,
                Duration.ofDays(10));
        Files.writeString(tlsDir.resolve("tls.crt.tmp"), issued.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(tlsDir.resolve("tls.key.tmp"), issued.keyPem(), StandardCharsets.US_ASCII);
        Files.writeString(tlsDir.resolve("ca.crt.tmp"), caPem, StandardCharsets.US_ASCII);
        for (String name : List.of("tls.crt", "tls.key", "ca.crt")) {
            Files.move(tlsDir.resolve(name + ".tmp"), tlsDir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A secondary over TLS with a certificate of {@code signer}, trusting both CAs; the certificate the primary showed. */
    private RawSecondary secondary(CertificateAuthority signer, String nodeId, List<X509Certificate> shown) throws Exception {
        CertificateAuthority.Issued issued = signer.issue("kv.apps", List.of(), List.of(), NOW, Duration.ofDays(10));
        SSLSocket socket = (SSLSocket) SslContexts.forClusterMembers(oldCa.certificatePem() + newCa.certificatePem(),
                issued.certificatePem(), issued.keyPem()).getSocketFactory().createSocket("127.0.0.1", server.port());
        socket.startHandshake();
        shown.add((X509Certificate) socket.getSession().getPeerCertificates()[0]);
        return new RawSecondary(socket, PrimarySessionTest.SECRET, nodeId);
    }

    private final List<RawSecondary> returned = new java.util.ArrayList<>();

    /** The store closed for the old CA connects again with a certificate of the new one, and acknowledges. */
    private void comeBack(String store) throws Exception {
        RawSecondary back = secondary(newCa, store, new java.util.ArrayList<>());
        returned.add(back);
        back.handshake(1, 0, EpochHistory.EMPTY);
        back.send(new Message.Ack(1, node.log().lastOffset(), back.next(Message.Heartbeat.class).sentNanos()));
        // back once acknowledging on its new connection (its Hello alone would not do)
        await().atMost(Duration.ofSeconds(5)).until(() -> server.acknowledgingStores().containsKey(store));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdk", "openssl"})
    void once_the_old_ca_is_dropped_the_connections_made_with_its_certificates_are_closed_and_the_other_stays(String engine)
            throws Exception {
        start(engine);
        List<X509Certificate> shown = new java.util.ArrayList<>();
        // step 1 of the rotation: both CAs trusted, every certificate the old CA's
        try (RawSecondary byOld = secondary(oldCa, "b", shown);
             RawSecondary shownOld = secondary(newCa, "d", new java.util.ArrayList<>())) {
            byOld.handshake(1, 0, EpochHistory.EMPTY);
            // a secondary that already has its certificate of the new CA, while the primary still shows the old one
            shownOld.handshake(1, 0, EpochHistory.EMPTY);
            shownOld.send(new Message.Ack(1, node.log().lastOffset(), shownOld.next(Message.Heartbeat.class).sentNanos()));
            // step 2: certificates of the new CA (the primary's too, once it has read its files again)
            writeTls(dir.resolve("tls"), newCa, oldCa.certificatePem() + newCa.certificatePem());
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
                List<X509Certificate> probe = new java.util.ArrayList<>();
                secondary(newCa, "probe", probe).close();
                return probe.get(0).getIssuerX500Principal().getName().equals(newCa.subject());
            });
            try (RawSecondary byNew = secondary(newCa, "c", shown)) {
                byNew.handshake(1, 0, EpochHistory.EMPTY);
                assertThat(shown.get(0).getIssuerX500Principal().getName()).isEqualTo(oldCa.subject());
                assertThat(shown.get(shown.size() - 1).getIssuerX500Principal().getName()).isEqualTo(newCa.subject());
                byNew.send(new Message.Ack(1, node.log().lastOffset(), byNew.next(Message.Heartbeat.class).sentNanos()));
                byOld.send(new Message.Ack(1, node.log().lastOffset(), byOld.next(Message.Heartbeat.class).sentNanos()));

                server.closeOneMadeWithDroppedCredential();
                byNew.next(Message.Heartbeat.class);
                assertThat(byOld.seen).as("both CAs still trusted: nothing closed").noneMatch(m -> m instanceof Message.Refused);

                // step 3: the old CA trusted no more
                writeTls(dir.resolve("tls"), newCa, newCa.certificatePem());
                await().atMost(Duration.ofSeconds(5)).until(() -> !tls.stillTrusts(List.of(shown.get(0))));
                server.closeOneMadeWithDroppedCredential();
                await().atMost(Duration.ofSeconds(5)).until(() -> node.secondaries().size() == 2);
                String first = node.secondaries().stream().anyMatch(v -> v.nodeId().equals("b")) ? "d" : "b";
                String second = first.equals("b") ? "d" : "b";
                // one at a time: while the first is away, the other connection of the old CA stays
                await("the connection of " + second + " while " + first + " is away").during(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(2)).until(() -> {
                            server.closeOneMadeWithDroppedCredential();
                            return node.secondaries().stream().anyMatch(v -> v.nodeId().equals(second));
                        });
                // the next once the first is back, with a certificate of the new CA
                comeBack(first);
                server.closeOneMadeWithDroppedCredential();
                assertThat(byOld.next(Message.Refused.class).reason()).contains("CA rotated away");
                assertThatThrownBy(() -> byOld.next(Message.Heartbeat.class)).isInstanceOf(IOException.class);
                assertThat(shownOld.next(Message.Refused.class).reason()).as("the primary's own certificate of it")
                        .contains("CA rotated away");
                // both back: nothing made with the old CA is left, and the one of new certificates at both ends stays
                comeBack(second);
                server.closeOneMadeWithDroppedCredential();
                server.closeOneMadeWithDroppedCredential();
                await("the connection made with the new CA's certificates at both ends stays")
                        .during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                        .until(() -> node.secondaries().stream().anyMatch(v -> v.nodeId().equals("c")));
                assertThat(byNew.seen).noneMatch(m -> m instanceof Message.Refused);
            }
        }
    }
}
