package dev.kvstore.core.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Shows one certificate, which can be replaced while servers and clients run: each handshake asks
 * this for the certificate of now, so a renewal needs no restart and no rebuilt TLS context, and
 * connections already open keep theirs. A handshake picks an alias, then asks for that alias's chain
 * and key: each certificate has an alias of its own, and the one before stays known, so a renewal
 * between those calls never pairs a chain with the other key.
 */
public final class RenewableKeyManager extends X509ExtendedKeyManager {

    private record Generation(String alias, X509Certificate[] chain, PrivateKey key) {
    }

    private final AtomicLong generations = new AtomicLong();
    private final Map<String, Generation> known = new ConcurrentHashMap<>();
    private volatile Generation current;

    public RenewableKeyManager(X509Certificate[] chain, PrivateKey key) {
        renew(chain, key);
    }

    /** From now on, handshakes show this certificate. */
    public synchronized void renew(X509Certificate[] chain, PrivateKey key) {
        Generation before = current;
        Generation next = new Generation("kv-" + generations.incrementAndGet(), chain.clone(), key);
        known.put(next.alias(), next);
        current = next;
        // the one before stays for a handshake between its alias and its key; older ones go
        known.keySet().removeIf(alias -> !alias.equals(next.alias()) && (before == null || !alias.equals(before.alias())));
    }

    private String aliasFor(String keyType) {
        Generation now = current;
        return matches(keyType, now.key()) ? now.alias() : null;
    }

    private static boolean matches(String keyType, PrivateKey key) {
        // TLS 1.3 asks by algorithm ("EC", "RSA", "RSASSA-PSS"); TLS 1.2 clients by "EC_EC" and the like
        String algorithm = key.getAlgorithm();
        return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
                || ("RSASSA-PSS".equals(keyType) && "RSA".equals(algorithm));
    }

    private String aliasForAny(String[] keyTypes) {
        if (keyTypes == null) {
            return current.alias();
        }
        for (String keyType : keyTypes) {
            String alias = aliasFor(keyType);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[]{alias};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasForAny(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation generation = known.get(alias);
        return generation == null ? null : generation.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation generation = known.get(alias);
        return generation == null ? null : generation.key();
    }
}
