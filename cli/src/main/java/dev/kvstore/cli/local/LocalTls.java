package dev.kvstore.cli.local;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.core.tls.SslContexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * TLS for a local cluster ({@code kv local --tls}): its own CA under {@code <dir>/tls}, made on first
 * start and kept, and for each store a directory in the {@code kubernetes.io/tls} shape that its
 * {@code kv.tls-dir} names, for 127.0.0.1 and localhost. The supervisor calls the admin ports with the
 * certificate they accept ({@code operator/}); clients trust {@code <dir>/tls/ca.crt}
 * ({@code redis-cli --tls --cacert}).
 */
public final class LocalTls {

    /** The store setting that turns TLS on. */
    public static final String STORE_PROPERTY = "kv.tls-dir";
    /** The store setting naming the certificate its client ports show, when not the cluster's. */
    public static final String CLIENT_PORTS_PROPERTY = "kv.tls-client-dir";
    /** The common name the stores' admin ports accept (their default {@code kv.tls-admin-client}). */
    public static final String ADMIN_CLIENT = "kvstore-operator";
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration VALIDITY = Duration.ofDays(365);

    private LocalTls() {
    }

    /**
     * Makes what is missing under {@code <dir>/tls} (the CA once; a certificate per store and for the
     * admin caller, issued again when within 30 days of expiry or not signed by the CA on disk) and
     * answers the value of {@code kv.tls-dir}.
     */
    public static String ensure(Path dir, List<String> storeNames) throws IOException {
        Path tls = dir.resolve("tls").toAbsolutePath();
        Files.createDirectories(tls);
        Instant now = Instant.now();
        CertificateAuthority ca;
        Path caCert = tls.resolve("ca.crt");
        Path caKey = tls.resolve("ca.key");
        if (Files.exists(caCert) && Files.exists(caKey)) {
            ca = CertificateAuthority.fromPem(Files.readString(caCert), Files.readString(caKey));
        } else {
            ca = CertificateAuthority.create("kv-local-ca", now, CA_VALIDITY);
            PrivateFiles.write(caKey, ca.keyPem());
            Files.writeString(caCert, ca.certificatePem());
        }
        for (String store : storeNames) {
            issueIfDue(ca, tls.resolve(store), store, List.of("localhost"), List.of("127.0.0.1"), now);
        }
        issueIfDue(ca, tls.resolve("operator"), ADMIN_CLIENT, List.of(), List.of(), now);
        return tls.resolve(NodeProcess.NODE_NAME).toString();
    }

    /**
     * The client trusting the CA of the local cluster in {@code dir} when it has one (its stores then
     * answer https alone); unchanged otherwise. The CA applies to https URLs only, so a cluster started
     * once with TLS and again without is still reached.
     */
    public static dev.kvstore.cli.client.KvClient trustedBy(dev.kvstore.cli.client.KvClient client, Path dir)
            throws IOException {
        Path caCert = dir.resolve("tls").resolve("ca.crt");
        return Files.exists(caCert) ? trusting(client, caCert) : client;
    }

    /** The client trusting the CA of the stores of these settings when they have TLS; unchanged otherwise. */
    public static dev.kvstore.cli.client.KvClient trustedBy(dev.kvstore.cli.client.KvClient client,
                                                            LocalClusterSettings settings) throws IOException {
        String storeDir = settings.storeProperties().get(STORE_PROPERTY);
        if (storeDir == null) {
            return client;
        }
        String trusted = Files.readString(Path.of(storeDir.replace(NodeProcess.NODE_NAME, "operator")).resolve("ca.crt"));
        // the client ports may show a certificate of another CA (kv.tls-client-dir): trusted too when it comes with it
        String clientPorts = settings.storeProperties().get(CLIENT_PORTS_PROPERTY);
        if (clientPorts != null && Files.exists(Path.of(clientPorts).resolve("ca.crt"))) {
            trusted = trusted + "\n" + Files.readString(Path.of(clientPorts).resolve("ca.crt"));
        }
        return client.withTls(SslContexts.of(trusted, null, null));
    }

    private static dev.kvstore.cli.client.KvClient trusting(dev.kvstore.cli.client.KvClient client, Path caCert)
            throws IOException {
        return client.withTls(SslContexts.of(Files.readString(caCert), null, null));
    }

    /** The admin client's TLS context when the stores of these settings have TLS; null otherwise. */
    public static SSLContext adminContext(LocalClusterSettings settings) throws IOException {
        String storeDir = settings.storeProperties().get(STORE_PROPERTY);
        if (storeDir == null) {
            return null;
        }
        Path operator = Path.of(storeDir.replace(NodeProcess.NODE_NAME, "operator"));
        return SslContexts.of(Files.readString(operator.resolve("ca.crt")), Files.readString(operator.resolve("tls.crt")),
                Files.readString(operator.resolve("tls.key")));
    }

    private static void issueIfDue(CertificateAuthority ca, Path dir, String commonName, List<String> dnsNames,
                                   List<String> ips, Instant now) throws IOException {
        Path certificate = dir.resolve("tls.crt");
        if (Files.exists(certificate) && Files.exists(dir.resolve("tls.key")) && stillGood(ca, Files.readString(certificate), now)) {
            return;
        }
        Files.createDirectories(dir);
        CertificateAuthority.Issued issued = ca.issue(commonName, dnsNames, ips, now, VALIDITY);
        // the key first: a store reading in between sees a certificate without its key, and keeps what it has
        PrivateFiles.write(dir.resolve("tls.key"), issued.keyPem());
        Files.writeString(certificate, issued.certificatePem());
        Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
    }

    /** Signed by this CA (not one made before it) and not within 30 days of expiry. */
    private static boolean stillGood(CertificateAuthority ca, String certificatePem, Instant now) {
        try {
            var certificate = CertificateAuthority.Pem.certificate(certificatePem);
            certificate.verify(CertificateAuthority.Pem.certificate(ca.certificatePem()).getPublicKey());
            return certificate.getNotAfter().toInstant().isAfter(now.plus(Duration.ofDays(30)));
        } catch (RuntimeException | java.security.GeneralSecurityException e) {
            return false;
        }
    }
}
