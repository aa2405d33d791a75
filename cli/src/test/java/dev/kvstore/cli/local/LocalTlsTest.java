package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.tls.CertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalTlsTest {

    @TempDir
    Path dir;

    private void assertIssuedByTheCaOnDisk(String store) throws Exception {
        var ca = CertificateAuthority.Pem.certificate(Files.readString(dir.resolve("tls/ca.crt")));
        var leaf = CertificateAuthority.Pem.certificate(Files.readString(dir.resolve("tls").resolve(store).resolve("tls.crt")));
        leaf.verify(ca.getPublicKey()); // throws when signed by another CA
        assertThat(Files.readString(dir.resolve("tls").resolve(store).resolve("ca.crt")))
                .isEqualTo(Files.readString(dir.resolve("tls/ca.crt")));
    }

    @Test
    void certificatesAreKeptAcrossStartsAndIssuedAgainWhenTheCaWasMadeAgain() throws Exception {
        LocalTls.ensure(dir, List.of("kv-0", "kv-1"));
        String first = Files.readString(dir.resolve("tls/kv-0/tls.crt"));
        LocalTls.ensure(dir, List.of("kv-0", "kv-1"));
        assertThat(Files.readString(dir.resolve("tls/kv-0/tls.crt"))).as("kept while good").isEqualTo(first);

        // the CA deleted (by hand, to start over): a new one is made, and what it did not sign is issued again,
        // else the ca.crt printed for redis-cli verifies no store
        Files.delete(dir.resolve("tls/ca.key"));
        LocalTls.ensure(dir, List.of("kv-0", "kv-1"));
        assertIssuedByTheCaOnDisk("kv-0");
        assertIssuedByTheCaOnDisk("kv-1");
        assertIssuedByTheCaOnDisk("operator");
    }
}
