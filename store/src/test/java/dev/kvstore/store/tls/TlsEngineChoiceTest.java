package dev.kvstore.store.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** kv.tls-engine: which TLS engine a store runs, and a clear refusal of what it cannot honour. */
class TlsEngineChoiceTest {

    @Test
    void autoTakesOpenSslWhereItLoadsAndTheJdksElsewhere() {
        assertThat(StoreTls.useOpenSsl("auto", true)).isTrue();
        assertThat(StoreTls.useOpenSsl("auto", false)).isFalse();
        assertThat(StoreTls.useOpenSsl("", true)).isTrue();
        assertThat(StoreTls.useOpenSsl(null, true)).isTrue();
    }

    @Test
    void jdkIsTheJdksEvenWhereOpenSslLoads() {
        assertThat(StoreTls.useOpenSsl("jdk", true)).isFalse();
        assertThat(StoreTls.useOpenSsl(" JDK ", true)).isFalse();
    }

    @Test
    void openSslWhereItDoesNotLoadOrAnUnknownEngineStopsTheStartWithAClearError() {
        assertThat(StoreTls.useOpenSsl("openssl", true)).isTrue();
        assertThatThrownBy(() -> StoreTls.useOpenSsl("openssl", false)).hasMessageContaining("does not load");
        assertThatThrownBy(() -> StoreTls.useOpenSsl("boringssl", true))
                .hasMessageContaining("auto, openssl or jdk").hasMessageContaining("boringssl");
    }
}
