package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.FakeStores;
import dev.kvstore.core.admin.NodeStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The health rule: answers as the unfenced primary of the current epoch, or an election starts. */
class PrimaryHealthTest {

    private static final Duration DELAY = Duration.ofMillis(1000);

    private static NodeStatus answer(String role, long epoch, boolean fenced) {
        FakeStores.Store store = new FakeStores.Store();
        store.role = role;
        store.epoch = epoch;
        store.fenced = fenced;
        return store.status("kv-0");
    }

    @Test
    void the_unfenced_primary_of_the_current_epoch_is_healthy() {
        assertThat(PrimaryHealth.judge(answer("primary", 3, false), null, 3, Duration.ZERO, DELAY))
                .isInstanceOf(PrimaryHealth.Healthy.class);
    }

    @Test
    void a_fenced_primary_is_lost_at_once_and_not_taken_for_gone() {
        // the issue-10 case: the fence of a waiting election reached the frozen primary when it woke
        assertThat(PrimaryHealth.judge(answer("primary", 3, true), null, 3, Duration.ZERO, DELAY))
                .isEqualTo(new PrimaryHealth.Lost("primary answers fenced in epoch 3, not as the unfenced primary of epoch 3",
                        false));
    }

    @Test
    void a_primary_of_another_epoch_is_lost_at_once() {
        assertThat(PrimaryHealth.judge(answer("primary", 2, false), null, 3, Duration.ZERO, DELAY))
                .isInstanceOf(PrimaryHealth.Lost.class);
    }

    @Test
    void a_store_that_answers_without_the_role_is_lost_and_gone() {
        var verdict = PrimaryHealth.judge(answer("none", 3, false), null, 3, Duration.ZERO, DELAY);
        assertThat(verdict).isInstanceOf(PrimaryHealth.Lost.class);
        assertThat(((PrimaryHealth.Lost) verdict).gone()).isTrue();
    }

    @Test
    void silence_counts_only_once_the_delay_has_passed() {
        assertThat(PrimaryHealth.judge(null, null, 3, Duration.ofMillis(999), DELAY))
                .isEqualTo(new PrimaryHealth.InDoubt(Duration.ofMillis(999)));
        assertThat(PrimaryHealth.judge(null, null, 3, DELAY, DELAY))
                .isEqualTo(new PrimaryHealth.Lost("primary not answering for 1000 ms", false));
    }

    @Test
    void a_supervisors_own_doubt_counts_as_silence() {
        String doubt = "not ready, with 0 secondaries connected";
        assertThat(PrimaryHealth.judge(answer("primary", 3, false), doubt, 3, Duration.ofMillis(10), DELAY))
                .isInstanceOf(PrimaryHealth.InDoubt.class);
        assertThat(PrimaryHealth.judge(answer("primary", 3, false), doubt, 3, Duration.ofMillis(1500), DELAY))
                .isEqualTo(new PrimaryHealth.Lost("primary " + doubt + " for 1500 ms", false));
    }
}
