package dev.kvstore.store.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.tls.CertificateAuthority;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** The admin port's check of who calls, by the common name of the client certificate. */
class AdminCallerTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    @Test
    void theCommonNameOfACertificateWithOneIsRead() {
        CertificateAuthority ca = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));
        X509Certificate operator = CertificateAuthority.Pem.certificate(
                ca.issue("kvstore-operator", List.of(), List.of(), NOW, Duration.ofDays(1)).certificatePem());
        assertThat(AdminCaller.commonNameOf(operator)).isEqualTo("kvstore-operator");
    }

    @Test
    void aCertificateWithSeveralCommonNamesIsNotTakenForAnyOfThem() throws Exception {
        // a CA that signs subjects it does not control (a shared cert-manager issuer) could put the operator's
        // name beside another: clients disagree on which CN counts, so such a certificate names no one
        X509Certificate two = selfSigned("CN=kvstore-operator,CN=someone");
        X509Certificate twoReversed = selfSigned("CN=someone,CN=kvstore-operator");
        assertThat(AdminCaller.commonNameOf(two)).isEmpty();
        assertThat(AdminCaller.commonNameOf(twoReversed)).isEmpty();
    }

    private static X509Certificate selfSigned(String subject) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        var pair = generator.generateKeyPair();
        X500Name name = new X500Name(subject);
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(NOW), Date.from(NOW.plus(Duration.ofDays(1))),
                name, pair.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
