package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.FakeStores;
import dev.kvstore.core.admin.NodeStatus;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Silence is measured from the primary's last healthy answer in the term, not from the first silent pass. */
class PrimaryWatchTest {

    private static final Duration DELAY = Duration.ofMillis(1000);
    private static final long MS = 1_000_000;
    private final PrimaryWatch watch = new PrimaryWatch();

    private static NodeStatus primaryOf(long epoch) {
        FakeStores.Store store = new FakeStores.Store();
        store.role = "primary";
        store.epoch = epoch;
        return store.status("kv-0");
    }

    @Test
    void silence_counts_from_the_last_healthy_answer() {
        assertThat(watch.observe(3, "kv-0", primaryOf(3), null, 0, 5 * MS, DELAY)).isInstanceOf(PrimaryHealth.Healthy.class);
        // a pass whose status call waited out a timeout: the silence began with the last healthy answer
        assertThat(watch.observe(3, "kv-0", null, null, 500 * MS, 1000 * MS, DELAY))
                .isEqualTo(new PrimaryHealth.Lost("primary not answering for 1000 ms", false));
    }

    @Test
    void a_healthy_answer_restarts_the_count() {
        watch.observe(3, "kv-0", primaryOf(3), null, 0, 0, DELAY);
        watch.observe(3, "kv-0", primaryOf(3), null, 800 * MS, 810 * MS, DELAY);
        assertThat(watch.observe(3, "kv-0", null, null, 1200 * MS, 1700 * MS, DELAY))
                .isEqualTo(new PrimaryHealth.InDoubt(Duration.ofMillis(900)));
    }

    @Test
    void a_new_term_or_primary_starts_its_own_count() {
        watch.observe(3, "kv-0", primaryOf(3), null, 0, 0, DELAY);
        // kv-1 was never seen healthy: its count starts with this pass, not with kv-0's last answer
        assertThat(watch.observe(4, "kv-1", null, null, 5000 * MS, 5400 * MS, DELAY))
                .isEqualTo(new PrimaryHealth.InDoubt(Duration.ofMillis(400)));
        assertThat(watch.observe(4, "kv-1", null, null, 5500 * MS, 6000 * MS, DELAY))
                .isInstanceOf(PrimaryHealth.Lost.class);
    }
}
