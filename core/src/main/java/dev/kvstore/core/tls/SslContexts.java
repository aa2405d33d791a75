package dev.kvstore.core.tls;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/** JDK TLS contexts from PEM: what the JDK's HTTP client and sockets take (the admin client, tests). */
public final class SslContexts {

    /** TLS 1.3 only, on every port of a store: nothing older is negotiated. */
    public static final String PROTOCOL = "TLSv1.3";

    private SslContexts() {
    }

    /**
     * Trusts the CAs of {@code caPem}; shows {@code certificatePem}/{@code keyPem} when a server asks
     * for a client certificate (null: none).
     */
    public static SSLContext of(String caPem, String certificatePem, String keyPem) {
        return context(caPem, certificatePem, keyPem, true);
    }

    /**
     * For calls to the stores of one cluster by pod IP: their CA is checked, not their names (see
     * {@link RenewableTrustManager#RenewableTrustManager(java.util.List, boolean)}).
     */
    public static SSLContext forClusterMembers(String caPem, String certificatePem, String keyPem) {
        return context(caPem, certificatePem, keyPem, false);
    }

    private static SSLContext context(String caPem, String certificatePem, String keyPem, boolean checkServerNames) {
        KeyManager[] keys = certificatePem == null ? new KeyManager[0] : new KeyManager[]{keyManager(certificatePem, keyPem)};
        TrustManager[] trust = {new RenewableTrustManager(CertificateAuthority.Pem.certificates(caPem), checkServerNames)};
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no " + PROTOCOL + " in this JDK: " + e.getMessage(), e);
        }
    }

    public static RenewableKeyManager keyManager(String certificatePem, String keyPem) {
        return new RenewableKeyManager(CertificateAuthority.Pem.certificates(certificatePem).toArray(X509Certificate[]::new),
                CertificateAuthority.Pem.privateKey(keyPem));
    }
}
