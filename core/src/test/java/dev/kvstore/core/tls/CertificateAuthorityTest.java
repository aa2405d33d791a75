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
}
