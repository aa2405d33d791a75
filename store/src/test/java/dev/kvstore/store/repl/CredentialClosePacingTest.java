package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CredentialClosePacingTest {

    private static final long WAIT = TimeUnit.SECONDS.toNanos(30);
    private final CredentialClosePacing pacing = new CredentialClosePacing(WAIT);

    @Test
    void the_first_close_needs_no_wait() {
        assertThat(pacing.mayCloseNext(Map.of(), 0)).isTrue();
    }

    @Test
    void the_next_close_waits_until_the_store_closed_before_acknowledges_on_a_later_session() {
        pacing.closed("b", 7, 0);

        assertThat(pacing.mayCloseNext(Map.of("c", 3L), TimeUnit.SECONDS.toNanos(2))).isFalse();
        assertThat(pacing.mayCloseNext(Map.of("b", 9L, "c", 3L), TimeUnit.SECONDS.toNanos(4))).isTrue();
        // once back, it is no longer waited for
        assertThat(pacing.mayCloseNext(Map.of("c", 3L), TimeUnit.SECONDS.toNanos(6))).isTrue();
    }

    @Test
    void an_older_session_of_the_same_store_left_half_open_is_not_it_coming_back() {
        pacing.closed("b", 7, 0);

        assertThat(pacing.mayCloseNext(Map.of("b", 5L, "c", 3L), TimeUnit.SECONDS.toNanos(2))).isFalse();
    }

    @Test
    void a_store_that_never_comes_back_is_waited_for_only_so_long() {
        pacing.closed("b", 7, 0);

        assertThat(pacing.mayCloseNext(Map.of("c", 3L), WAIT - 1)).isFalse();
        assertThat(pacing.mayCloseNext(Map.of("c", 3L), WAIT)).isTrue();
    }

    @Test
    void only_the_store_closed_last_is_waited_for() {
        pacing.closed("b", 7, 0);
        pacing.mayCloseNext(Map.of("b", 9L), 1);
        pacing.closed("c", 3, 2);

        assertThat(pacing.mayCloseNext(Map.of("b", 9L), 3)).isFalse();
        assertThat(pacing.mayCloseNext(Map.of("c", 10L), 4)).isTrue();
    }
}
