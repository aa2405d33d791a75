package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.snapshot.SnapshotData;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Expiry on every store: hidden by its own clock, removed only by a logged delete. */
class KvStateExpiryTest {

    private final AtomicLong clock = new AtomicLong(1_000);
    private final KvState state = new KvState(clock::get);
    private long offset;

    private void apply(Mutation... mutations) {
        offset++;
        state.apply(mutations.length == 1 && !mutations[0].expires()
                ? (mutations[0].deletes() ? LogEntry.delete(1, offset, mutations[0].key())
                : LogEntry.put(1, offset, mutations[0].key(), mutations[0].value()))
                : LogEntry.batch(1, offset, List.of(mutations)));
    }

    @Test
    void a_key_whose_time_passed_is_hidden_but_stays_until_a_logged_delete() {
        apply(Mutation.put("k", "v".getBytes(), 2_000));
        assertThat(state.get("k")).isEqualTo("v".getBytes());
        assertThat(state.expiresAtMillis("k")).isEqualTo(2_000);
        clock.set(2_000);
        assertThat(state.get("k")).as("hidden at its time").isNull();
        assertThat(state.size()).as("still held: this store never deletes on its own clock").isEqualTo(1);
        assertThat(state.dueKeys(2_000, 10)).containsExactly("k");
        assertThat(state.scan(0, 10, key -> true).keys()).isEmpty();
        apply(Mutation.delete("k"));
        assertThat(state.size()).isZero();
        assertThat(state.dueKeys(5_000, 10)).isEmpty();
        assertThat(state.expiringKeys()).isZero();
    }

    @Test
    void a_plain_put_drops_the_time_to_live_and_its_bytes() {
        long before = state.usedBytes();
        apply(Mutation.put("k", "v".getBytes(), 2_000));
        long withExpiry = state.usedBytes();
        apply(Mutation.put("k", "v".getBytes()));
        assertThat(state.expiresAtMillis("k")).isZero();
        assertThat(state.usedBytes()).isEqualTo(withExpiry - KvState.EXPIRY_OVERHEAD_BYTES);
        clock.set(10_000);
        assertThat(state.get("k")).isEqualTo("v".getBytes());
        assertThat(state.dueKeys(10_000, 10)).isEmpty();
        apply(Mutation.delete("k"));
        assertThat(state.usedBytes()).isEqualTo(before);
    }

    @Test
    void due_keys_come_earliest_first_up_to_the_limit() {
        apply(Mutation.put("late", new byte[1], 3_000), Mutation.put("early", new byte[1], 1_500),
                Mutation.put("never", new byte[1]));
        assertThat(state.dueKeys(5_000, 10)).containsExactly("early", "late");
        assertThat(state.dueKeys(5_000, 1)).containsExactly("early");
        assertThat(state.dueKeys(2_000, 10)).containsExactly("early");
    }

    @Test
    void a_frozen_copy_carries_the_expiries_and_a_load_restores_them() throws Exception {
        apply(Mutation.put("a", "1".getBytes(), 9_000), Mutation.put("b", "2".getBytes()));
        SnapshotData frozen = state.frozen();
        assertThat(frozen.expiries()).containsExactly(java.util.Map.entry("a", 9_000L));
        KvState other = new KvState(clock::get);
        other.load(sink -> {
            frozen.forEach(sink);
            frozen.expiries().forEach(sink::expiry);
            return 7;
        });
        assertThat(other.expiresAtMillis("a")).isEqualTo(9_000);
        assertThat(other.expiresAtMillis("b")).isZero();
        assertThat(other.usedBytes()).isEqualTo(state.usedBytes());
    }
}
