package dev.kvstore.store.api;

import io.vertx.core.http.HttpConnection;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may call the admin port, by the client certificate of the connection: with TLS, the one the
 * operator shows (its common name configured, its CA the cluster's, checked by the handshake before
 * this). A store's own certificate, of the same CA, is not enough: a store broken into cannot promote
 * itself. Without TLS, anyone the NetworkPolicy lets in (the signature of each call still counts).
 */
interface AdminCaller {

    /** Null when this connection may call; otherwise why not, for the 403. */
    String refusal(HttpConnection connection);

    static AdminCaller anyone() {
        return connection -> null;
    }

    static AdminCaller named(String commonName) {
        return named(commonName, chain -> true);
    }

    /**
     * @param stillTrusted whether the CAs trusted now still take a chain the handshake took: a connection kept
     *     alive past a CA rotation's last step, made with a certificate of the old CA, calls nothing more
     */
    static AdminCaller named(String commonName, java.util.function.Predicate<List<Certificate>> stillTrusted) {
        return connection -> {
            List<Certificate> chain;
            try {
                chain = connection.peerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return "admin calls need the operator's client certificate";
            }
            if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate shown)) {
                return "admin calls need the operator's client certificate";
            }
            String name = commonNameOf(shown);
            if (!commonName.equals(name)) {
                return "admin calls need the operator's client certificate, not one for '" + name + "'";
            }
            return stillTrusted.test(chain) ? null
                    : "this connection was made with a certificate of a CA no longer trusted: connect again";
        };
    }

    /**
     * The subject's one common name; empty when it has none or several (clients disagree on which of
     * several counts, so such a certificate names no one: a CA that signs subjects it does not control
     * could otherwise put the operator's name beside another).
     */
    static String commonNameOf(X509Certificate certificate) {
        List<String> names = new java.util.ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return names.size() == 1 ? names.get(0) : "";
    }
}
