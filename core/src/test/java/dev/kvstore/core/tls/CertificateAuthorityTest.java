package dev.kvstore.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateAuthorityTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void issuesCertificatesSignedByItsOwnP256KeyWithTheNamesAsked() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(3650));
        CertificateAuthority.Issued issued = ca.issue("kv-0", List.of("kv-0.kv-headless.ns.svc", "kv-rw"),
                List.of("127.0.0.1"), NOW, Duration.ofDays(90));

        X509Certificate leaf = CertificateAuthority.Pem.certificate(issued.certificatePem());
        X509Certificate root = CertificateAuthority.Pem.certificate(ca.certificatePem());
        leaf.verify(root.getPublicKey());
        assertThat(((ECPublicKey) root.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=kv-0");
        assertThat(leaf.getSubjectAlternativeNames().stream().map(name -> String.valueOf(name.get(1))).toList())
                .containsExactly("kv-0.kv-headless.ns.svc", "kv-rw", "127.0.0.1");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(root.getBasicConstraints()).isEqualTo(0);
        assertThat(issued.notAfter()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        leaf.checkValidity(Date.from(NOW.plus(Duration.ofDays(89))));
        assertThatThrownBy(() -> leaf.checkValidity(Date.from(NOW.plus(Duration.ofDays(91)))))
                .isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void aCaReadBackFromItsPemIssuesCertificatesTheOriginalVerifies() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));
        CertificateAuthority again = CertificateAuthority.fromPem(ca.certificatePem(), ca.keyPem());

        CertificateAuthority.Issued issued = again.issue("kvstore-operator", List.of(), List.of(), NOW, Duration.ofDays(1));

        CertificateAuthority.Pem.certificate(issued.certificatePem())
                .verify(CertificateAuthority.Pem.certificate(ca.certificatePem()).getPublicKey());
        assertThat(CertificateAuthority.Pem.certificate(issued.certificatePem()).getSubjectAlternativeNames()).isNull();
        assertThat(CertificateAuthority.Pem.privateKey(issued.keyPem()).getAlgorithm()).isEqualTo("EC");
        assertThat(issued.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void anotherCaDoesNotVerifyItsCertificates() {
        CertificateAuthority ours = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));
        CertificateAuthority theirs = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));
        CertificateAuthority.Issued issued = theirs.issue("kv-0", List.of("localhost"), List.of(), NOW, Duration.ofDays(1));

        assertThatThrownBy(() -> CertificateAuthority.Pem.certificate(issued.certificatePem())
                .verify(CertificateAuthority.Pem.certificate(ours.certificatePem()).getPublicKey()))
                .isInstanceOf(java.security.SignatureException.class);
    }

    @Test
    void unreadablePemIsAClearError() {
        assertThatThrownBy(() -> CertificateAuthority.Pem.certificate("not a pem"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no certificate");
        assertThatThrownBy(() -> CertificateAuthority.Pem.privateKey("not a pem"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no private key");
    }

    @Test
    void keysAsCertManagerAndOpensslWriteThemAreReadPkcs1Sec1AndSec1AfterItsParameters() throws Exception {
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        java.security.KeyPair rsaPair = rsa.generateKeyPair();
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair ecPair = ec.generateKeyPair();

        String pkcs1 = traditionalPem(rsaPair);
        String sec1 = sec1Pem(ecPair);
        assertThat(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----");
        // what `openssl ecparam -genkey` writes
        String withParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1;

        assertThat(((java.security.interfaces.RSAPrivateKey) CertificateAuthority.Pem.privateKey(pkcs1)).getPrivateExponent())
                .isEqualTo(((java.security.interfaces.RSAPrivateKey) rsaPair.getPrivate()).getPrivateExponent());
        java.math.BigInteger ecSecret = ((java.security.interfaces.ECPrivateKey) ecPair.getPrivate()).getS();
        assertThat(((java.security.interfaces.ECPrivateKey) CertificateAuthority.Pem.privateKey(sec1)).getS()).isEqualTo(ecSecret);
        assertThat(((java.security.interfaces.ECPrivateKey) CertificateAuthority.Pem.privateKey(withParameters)).getS())
                .isEqualTo(ecSecret);
    }

    /** SEC1 as Go's x509.MarshalECPrivateKey (cert-manager) and OpenSSL write it: with the curve and the public key. */
    private static String sec1Pem(java.security.KeyPair pair) throws Exception {
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
        var publicKey = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, ((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(),
                publicKey.getPublicKeyData(), info.getPrivateKeyAlgorithm().getParameters());
        java.io.StringWriter out = new java.io.StringWriter();
        try (org.bouncycastle.util.io.pem.PemWriter writer = new org.bouncycastle.util.io.pem.PemWriter(out)) {
            writer.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        }
        return out.toString();
    }

    private static String traditionalPem(java.security.KeyPair pair) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(out)) {
            writer.writeObject(pair);
        }
        return out.toString();
    }
}
