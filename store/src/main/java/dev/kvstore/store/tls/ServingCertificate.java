package dev.kvstore.store.tls;

import dev.kvstore.core.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * A certificate (with its chain) and its key, as PEM, read from {@code tls.crt} and {@code tls.key} of a
 * directory in the {@code kubernetes.io/tls} shape: what a server shows. A key that does not belong to
 * the certificate (a renewal caught halfway through its writes) is refused here, so that it never
 * replaces working material. Keys as PKCS#8, PKCS#1 (RSA) or SEC1 (EC): cert-manager writes the latter two
 * unless told otherwise. Equal when the files say the same.
 */
public record ServingCertificate(String certificatePem, String keyPem) {

    public static final String CERTIFICATE = "tls.crt";
    public static final String KEY = "tls.key";

    public static ServingCertificate read(Path dir) throws IOException {
        ServingCertificate read = new ServingCertificate(Files.readString(dir.resolve(CERTIFICATE), StandardCharsets.US_ASCII),
                Files.readString(dir.resolve(KEY), StandardCharsets.US_ASCII));
        read.check(dir);
        return read;
    }

    private void check(Path dir) {
        X509Certificate certificate;
        PrivateKey key;
        try {
            certificate = CertificateAuthority.Pem.certificate(certificatePem);
            key = CertificateAuthority.Pem.privateKey(keyPem);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files in " + dir + ": " + e.getMessage(), e);
        }
        if (!CertificateAuthority.Pem.keyBelongsTo(certificate, key)) {
            throw new IllegalArgumentException("TLS files in " + dir + ": " + KEY + " is not the key of " + CERTIFICATE);
        }
    }

    public X509Certificate[] chain() {
        return CertificateAuthority.Pem.certificates(certificatePem).toArray(X509Certificate[]::new);
    }

    public PrivateKey key() {
        return CertificateAuthority.Pem.privateKey(keyPem);
    }

    @Override
    public String toString() {
        // never the key
        X509Certificate leaf = CertificateAuthority.Pem.certificate(certificatePem);
        return "certificate[" + leaf.getSubjectX500Principal() + ", until " + leaf.getNotAfter().toInstant() + "]";
    }
}
