package dev.kvstore.store.tls;

import dev.kvstore.core.tls.RenewableKeyManager;
import dev.kvstore.core.tls.RenewableTrustManager;
import dev.kvstore.core.tls.SslContexts;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.TCPSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.nio.file.Path;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * TLS for every port a store opens or connects from, or none. With it, the material of a directory
 * ({@link TlsMaterial}) is read again every few seconds, and a renewed certificate or CA bundle is what
 * the next handshake of every server and client uses: their key and trust managers are asked at each
 * handshake ({@link RenewableKeyManager}), so nothing is rebuilt or restarted, connections already open
 * keep theirs, and no write is dropped. (Vert.x's own updateSSLOptions rebuilds the context
 * asynchronously, and 4.5 fails a connection accepted meanwhile with a NullPointerException: seen in TlsIT.)
 */
public final class StoreTls {

    private static final Logger LOG = Logger.getLogger(StoreTls.class);


    private final Path dir;
    private final RenewableKeyManager keys;
    private final RenewableTrustManager trust;
    private volatile TlsMaterial current;

    /**
     * Where the certificate the client ports (Redis protocol, HTTP) show comes from when it is not the
     * cluster's: a {@code kubernetes.io/tls} Secret of the user's (cert-manager's), whose CA clients
     * already trust. Null: the client ports show the cluster's certificate. Replication, admin and metrics
     * always show the cluster's: peers and the operator check that one.
     */
    private final Path clientDir;
    private final RenewableKeyManager clientKeys;
    private volatile ServingCertificate clientCurrent;

    /**
     * Netty's OpenSSL engine (BoringSSL, bundled for linux-x86_64) rather than the JDK's, which cost about
     * twice as much sync write throughput here (`./bench --only-costs`). Both ask the same renewable key
     * and trust managers at each handshake.
     */
    private final boolean openssl;

    private StoreTls(Path dir, TlsMaterial current, Path clientDir, ServingCertificate clientCurrent, boolean openssl) {
        this.openssl = openssl;
        this.dir = dir;
        this.current = current;
        this.keys = current == null ? null : new RenewableKeyManager(current.chain(), current.key());
        this.trust = current == null ? null : new RenewableTrustManager(current.authorities());
        this.clientDir = clientDir;
        this.clientCurrent = clientCurrent;
        this.clientKeys = clientCurrent == null ? null : new RenewableKeyManager(clientCurrent.chain(), clientCurrent.key());
    }

    public static StoreTls off() {
        return new StoreTls(null, null, null, null, false);
    }

    /**
     * Reads the directories now (a store whose TLS files are missing or wrong does not start) and again
     * every {@code reloadMillis}.
     *
     * @param clientDir the certificate of the client ports when it is not the cluster's; null when it is
     */
    public static StoreTls from(Path dir, Path clientDir, Vertx vertx, long reloadMillis, String engine)
            throws java.io.IOException {
        StoreTls tls = new StoreTls(dir, TlsMaterial.read(dir), clientDir,
                clientDir == null ? null : ServingCertificate.read(clientDir), useOpenSsl(engine, OpenSSLEngineOptions.isAvailable()));
        LOG.infof("TLS on every port (%s engine): %s from %s", tls.openssl ? "OpenSSL (BoringSSL)" : "JDK", tls.current, dir);
        if (clientDir != null) {
            LOG.infof("the Redis-protocol and HTTP ports show the %s from %s", tls.clientCurrent, clientDir);
        }
        // ordered: one reload at a time, so an older read never replaces a newer one
        vertx.setPeriodic(reloadMillis, t -> vertx.executeBlocking(() -> {
            tls.reload();
            return null;
        }, true));
        return tls;
    }

    /**
     * {@code kv.tls-engine}: unset or {@code auto}, OpenSSL when its native library loads (else the JDK's,
     * on a platform it is not bundled for); {@code openssl}, OpenSSL or no start; {@code jdk}, the JDK's.
     */
    static boolean useOpenSsl(String engine, boolean available) {
        return switch (engine == null ? "auto" : engine.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "", "auto" -> available;
            case "jdk" -> false;
            case "openssl" -> {
                if (!available) {
                    throw new IllegalStateException("kv.tls-engine=openssl but Netty's OpenSSL engine does not load "
                            + "here (bundled for linux-x86_64 only); use auto or jdk");
                }
                yield true;
            }
            default -> throw new IllegalArgumentException("kv.tls-engine must be auto, openssl or jdk, not '" + engine + "'");
        };
    }

    public boolean enabled() {
        return current != null;
    }

    /**
     * Turns TLS 1.3 on in the options of a server or client among the cluster (replication, admin,
     * metrics), with the cluster's certificate (unchanged when off).
     */
    public <T extends TCPSSLOptions> T apply(T options) {
        return apply(options, keys);
    }

    /**
     * Turns TLS 1.3 on in a client port's server options (Redis protocol, HTTP), with the certificate
     * given for those ports, or the cluster's (unchanged when off).
     */
    public <T extends TCPSSLOptions> T applyToClientPort(T options) {
        return apply(options, clientKeys != null ? clientKeys : keys);
    }

    private <T extends TCPSSLOptions> T apply(T options, RenewableKeyManager shown) {
        if (current == null) {
            return options;
        }
        options.setSsl(true);
        if (openssl) {
            options.setSslEngineOptions(new OpenSSLEngineOptions());
        }
        options.setKeyCertOptions(KeyCertOptions.wrap(shown));
        options.setTrustOptions(TrustOptions.wrap(trust));
        options.setEnabledSecureTransportProtocols(Set.of(SslContexts.PROTOCOL));
        return options;
    }

    /**
     * Whether the CAs trusted now still take this certificate chain (a peer's, or the one this store showed on a
     * connection): a connection made with a certificate of a CA since dropped (a CA rotation's last step) grants
     * nothing. True when TLS is off or there is no chain.
     */
    public boolean stillTrusts(java.util.List<? extends java.security.cert.Certificate> chain) {
        if (current == null || chain == null || chain.isEmpty()) {
            return true;
        }
        java.security.cert.X509Certificate[] x509 = chain.stream().map(c -> (java.security.cert.X509Certificate) c)
                .toArray(java.security.cert.X509Certificate[]::new);
        try {
            // the checks of a handshake: chain to a CA trusted now, dates, key usage (both ends' certificates are
            // for client and server alike)
            trust.checkClientTrusted(x509, x509[0].getPublicKey().getAlgorithm());
            return true;
        } catch (java.security.cert.CertificateException e) {
            return false;
        }
    }

    /** The material of now; null when off. */
    public TlsMaterial material() {
        return current;
    }

    private interface Reader<T> {
        T read(Path dir) throws Exception;
    }

    /**
     * What the directory holds when it differs from {@code current}; null when it is the same or cannot be
     * taken: a renewal half written, or a file gone for a moment. What works stays; the next read tries again.
     */
    private static <T> T readIfChanged(Path dir, Reader<T> reader, T current) {
        T read;
        try {
            read = reader.read(dir);
        } catch (Exception e) {
            LOG.warnf("TLS files in %s not taken (the ones in use stay): %s", dir, e.getMessage());
            return null;
        }
        return read.equals(current) ? null : read;
    }

    /** The certificate the client ports show when it is not the cluster's; null when it is (or when off). */
    public ServingCertificate clientPortCertificate() {
        return clientCurrent;
    }

    void reload() {
        reloadClusterMaterial();
        if (clientDir != null) {
            reloadClientPortCertificate();
        }
    }

    private void reloadClientPortCertificate() {
        ServingCertificate read = readIfChanged(clientDir, ServingCertificate::read, clientCurrent);
        if (read == null) {
            return;
        }
        clientKeys.renew(read.chain(), read.key());
        clientCurrent = read;
        LOG.infof("the client ports' certificate renewed: %s", read);
    }

    private void reloadClusterMaterial() {
        TlsMaterial read = readIfChanged(dir, TlsMaterial::read, current);
        if (read == null) {
            return;
        }
        // the CA first: a renewed certificate may come from a new CA that peers trust already
        trust.renew(read.authorities());
        keys.renew(read.chain(), read.key());
        current = read;
        LOG.infof("TLS certificate renewed: %s", read);
    }
}
