package dev.kvstore.core.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the certificates of a CA bundle that can be replaced while servers and clients run (a CA
 * rotated by adding the new one beside the old, then dropping the old). Every check goes to the
 * JDK's own trust manager for the bundle of now: chains, validity dates and, for a client, the server's
 * name (the engine's endpoint identification) are checked as the JDK checks them.
 */
public final class RenewableTrustManager extends X509ExtendedTrustManager {

    private volatile X509ExtendedTrustManager current;
    private final boolean checkServerNames;

    public RenewableTrustManager(List<X509Certificate> authorities) {
        this(authorities, true);
    }

    /**
     * @param checkServerNames false for a CA of one cluster whose stores all share one certificate, called
     *     by pod IP (the operator's admin calls): any certificate of that CA is one of the cluster's own, and
     *     pod IPs, which change at each restart, are in no certificate. The chain and dates are checked still.
     */
    public RenewableTrustManager(List<X509Certificate> authorities, boolean checkServerNames) {
        this.checkServerNames = checkServerNames;
        renew(authorities);
    }

    public void renew(List<X509Certificate> authorities) {
        current = jdkTrustManager(authorities);
    }

    static X509ExtendedTrustManager jdkTrustManager(List<X509Certificate> authorities) {
        if (authorities.isEmpty()) {
            throw new IllegalArgumentException("no CA certificate to trust");
        }
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager extended) {
                    return extended;
                }
            }
            throw new IllegalStateException("the JDK made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot trust the CA certificates given: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        if (checkServerNames) {
            current.checkServerTrusted(chain, authType, socket);
        } else {
            current.checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        current.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        if (checkServerNames) {
            current.checkServerTrusted(chain, authType, engine);
        } else {
            current.checkServerTrusted(chain, authType);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current.getAcceptedIssuers();
    }
}
