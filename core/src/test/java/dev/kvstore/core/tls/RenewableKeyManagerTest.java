package dev.kvstore.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenewableKeyManagerTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private final CertificateAuthority ca = CertificateAuthority.create("kv-ca", NOW, Duration.ofDays(10));

    @Test
    void aRenewalIsShownByTheNextHandshakeWhileOneBetweenAliasAndKeyStillGetsAMatchingPair() {
        CertificateAuthority.Issued first = ca.issue("kv-0", List.of("localhost"), List.of(), NOW, Duration.ofDays(1));
        CertificateAuthority.Issued second = ca.issue("kv-0", List.of("localhost"), List.of(), NOW, Duration.ofDays(2));
        RenewableKeyManager keys = SslContexts.keyManager(first.certificatePem(), first.keyPem());

        String chosenBefore = keys.chooseEngineServerAlias("EC", null, null);
        keys.renew(chain(second), CertificateAuthority.Pem.privateKey(second.keyPem()));
        String chosenAfter = keys.chooseEngineServerAlias("EC", null, null);

        assertThat(keys.getCertificateChain(chosenBefore)[0]).isEqualTo(chain(first)[0]);
        assertThat(keys.getPrivateKey(chosenBefore)).isEqualTo(CertificateAuthority.Pem.privateKey(first.keyPem()));
        assertThat(keys.getCertificateChain(chosenAfter)[0]).isEqualTo(chain(second)[0]);
        assertThat(keys.getPrivateKey(chosenAfter)).isEqualTo(CertificateAuthority.Pem.privateKey(second.keyPem()));
    }

    @Test
    void onlyTheCertificateBeforeTheCurrentOneStaysKnown() {
        CertificateAuthority.Issued first = ca.issue("kv-0", List.of(), List.of(), NOW, Duration.ofDays(1));
        RenewableKeyManager keys = SslContexts.keyManager(first.certificatePem(), first.keyPem());
        String oldest = keys.chooseEngineServerAlias("EC", null, null);

        for (int i = 0; i < 2; i++) {
            CertificateAuthority.Issued next = ca.issue("kv-0", List.of(), List.of(), NOW, Duration.ofDays(1));
            keys.renew(chain(next), CertificateAuthority.Pem.privateKey(next.keyPem()));
        }

        assertThat(keys.getCertificateChain(oldest)).isNull();
        assertThat(keys.getPrivateKey(oldest)).isNull();
    }

    @Test
    void offersItsEcKeyOnlyWhereAnEcKeyIsAskedFor() {
        CertificateAuthority.Issued issued = ca.issue("kv-0", List.of(), List.of(), NOW, Duration.ofDays(1));
        RenewableKeyManager keys = SslContexts.keyManager(issued.certificatePem(), issued.keyPem());

        assertThat(keys.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(keys.chooseEngineClientAlias(new String[]{"RSA", "EC"}, null, null)).isNotNull();
        assertThat(keys.chooseEngineClientAlias(new String[]{"RSA"}, null, null)).isNull();
    }

    private static X509Certificate[] chain(CertificateAuthority.Issued issued) {
        return CertificateAuthority.Pem.certificates(issued.certificatePem()).toArray(X509Certificate[]::new);
    }
}
