package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CredentialClosePacingTest {

    private static final long WAIT = TimeUnit.SECONDS.toNanos(30);
    private final CredentialClosePacing pacing = new CredentialClosePacing(WAIT);

    @Test
    void the_first_close_needs_no_wait() {
        assertThat(pacing.mayCloseNext(Set.of(), 0)).isTrue();
    }

    @Test
    void the_next_close_waits_until_the_store_closed_before_acknowledges_again() {
        pacing.closed("b", 0);

        assertThat(pacing.mayCloseNext(Set.of("c"), TimeUnit.SECONDS.toNanos(2))).isFalse();
        assertThat(pacing.mayCloseNext(Set.of("b", "c"), TimeUnit.SECONDS.toNanos(4))).isTrue();
        // once back, it is no longer waited for
        assertThat(pacing.mayCloseNext(Set.of("c"), TimeUnit.SECONDS.toNanos(6))).isTrue();
    }

    @Test
    void a_store_that_never_comes_back_is_waited_for_only_so_long() {
        pacing.closed("b", 0);

        assertThat(pacing.mayCloseNext(Set.of("c"), WAIT - 1)).isFalse();
        assertThat(pacing.mayCloseNext(Set.of("c"), WAIT)).isTrue();
    }

    @Test
    void only_the_store_closed_last_is_waited_for() {
        pacing.closed("b", 0);
        pacing.mayCloseNext(Set.of("b"), 1);
        pacing.closed("c", 2);

        assertThat(pacing.mayCloseNext(Set.of("b"), 3)).isFalse();
        assertThat(pacing.mayCloseNext(Set.of("c"), 4)).isTrue();
    }
}
