package dev.kvstore.store.tls;

import dev.kvstore.core.tls.CertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * A store's certificate, its key and the CA it trusts, as PEM: read from a directory in the
 * {@code kubernetes.io/tls} shape ({@code tls.crt}, {@code tls.key}, {@code ca.crt}), which a mounted
 * Secret (the operator's, or cert-manager's) or {@code kv local --tls} fills. Equal when the files say
 * the same, so a reload can tell a renewal from nothing new.
 */
public record TlsMaterial(String certificatePem, String keyPem, String caPem) {

    public static final String CERTIFICATE = "tls.crt";
    public static final String KEY = "tls.key";
    public static final String CA = "ca.crt";

    /**
     * Reads and checks the three files: a key that does not belong to the certificate (a renewal
     * caught halfway through its writes) is refused here, so that it never replaces working material.
     */
    public static TlsMaterial read(Path dir) throws IOException {
        TlsMaterial material = new TlsMaterial(Files.readString(dir.resolve(CERTIFICATE), StandardCharsets.US_ASCII),
                Files.readString(dir.resolve(KEY), StandardCharsets.US_ASCII),
                Files.readString(dir.resolve(CA), StandardCharsets.US_ASCII));
        material.check(dir);
        return material;
    }

    private void check(Path dir) {
        X509Certificate certificate;
        PrivateKey key;
        try {
            certificate = CertificateAuthority.Pem.certificate(certificatePem);
            key = CertificateAuthority.Pem.privateKey(keyPem);
            if (CertificateAuthority.Pem.certificates(caPem).isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + CA);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TLS files in " + dir + ": " + e.getMessage(), e);
        }
        try {
            byte[] probe = "kv-tls-key-check".getBytes(StandardCharsets.US_ASCII);
            String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signed)) {
                throw new IllegalArgumentException("TLS files in " + dir + ": " + KEY + " is not the key of " + CERTIFICATE);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS files in " + dir + ": " + KEY + " does not match " + CERTIFICATE
                    + " (" + e.getMessage() + ")", e);
        }
    }

    public java.security.cert.X509Certificate[] chain() {
        return CertificateAuthority.Pem.certificates(certificatePem).toArray(X509Certificate[]::new);
    }

    public PrivateKey key() {
        return CertificateAuthority.Pem.privateKey(keyPem);
    }

    public java.util.List<X509Certificate> authorities() {
        return CertificateAuthority.Pem.certificates(caPem);
    }

    @Override
    public String toString() {
        // never the key
        return "TlsMaterial[" + CertificateAuthority.Pem.certificate(certificatePem).getSubjectX500Principal() + "]";
    }
}
