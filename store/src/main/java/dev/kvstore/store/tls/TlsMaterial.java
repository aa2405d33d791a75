package dev.kvstore.store.tls;

import dev.kvstore.core.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;

/**
 * A store's certificate, its key and the CA it trusts, as PEM: read from a directory in the
 * {@code kubernetes.io/tls} shape ({@code tls.crt}, {@code tls.key}, {@code ca.crt}), which a mounted
 * Secret (the operator's) or {@code kv local --tls} fills. Equal when the files say
 * the same, so a reload can tell a renewal from nothing new.
 */
public record TlsMaterial(String certificatePem, String keyPem, String caPem) {

    public static final String CERTIFICATE = ServingCertificate.CERTIFICATE;
    public static final String KEY = ServingCertificate.KEY;
    public static final String CA = "ca.crt";

    /** Reads and checks the three files ({@link ServingCertificate#read} for the certificate and its key). */
    public static TlsMaterial read(Path dir) throws IOException {
        ServingCertificate serving = ServingCertificate.read(dir);
        String caPem = Files.readString(dir.resolve(CA), StandardCharsets.US_ASCII);
        try {
            if (CertificateAuthority.Pem.certificates(caPem).isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + CA);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files in " + dir + ": " + e.getMessage(), e);
        }
        return new TlsMaterial(serving.certificatePem(), serving.keyPem(), caPem);
    }

    public java.security.cert.X509Certificate[] chain() {
        return CertificateAuthority.Pem.certificates(certificatePem).toArray(java.security.cert.X509Certificate[]::new);
    }

    public PrivateKey key() {
        return CertificateAuthority.Pem.privateKey(keyPem);
    }

    public java.util.List<java.security.cert.X509Certificate> authorities() {
        return CertificateAuthority.Pem.certificates(caPem);
    }

    @Override
    public String toString() {
        // never the key
        return "TlsMaterial[" + CertificateAuthority.Pem.certificate(certificatePem).getSubjectX500Principal() + "]";
    }
}
