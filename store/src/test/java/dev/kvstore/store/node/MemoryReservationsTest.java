package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.state.KvState;
import dev.kvstore.store.state.MemoryEstimate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The budget as writes in flight see it: what they reserve counts until it is released. */
class MemoryReservationsTest {

    private static final byte[] VALUE = new byte[100];
    private final KvState state = new KvState();
    private final long oneKey = MemoryEstimate.of("k0", VALUE);

    @Test
    void writes_in_flight_cannot_overshoot_the_budget_together_and_a_release_makes_room() {
        MemoryReservations memory = new MemoryReservations(state, oneKey * 3);
        long first = memory.reserve(LogEntry.put(0, 0, "k1", VALUE));
        memory.reserve(LogEntry.put(0, 0, "k2", VALUE));
        memory.reserve(LogEntry.put(0, 0, "k3", VALUE));
        assertThatThrownBy(() -> memory.reserve(LogEntry.put(0, 0, "k4", VALUE)))
                .isInstanceOf(NodeExceptions.MemoryFull.class).hasMessageStartingWith("OOM command not allowed");
        memory.release(first);
        assertThat(memory.reserve(LogEntry.put(0, 0, "k4", VALUE))).isPositive();
    }

    @Test
    void deletes_and_entries_that_are_no_put_reserve_nothing_even_when_full() {
        MemoryReservations memory = new MemoryReservations(state, 0);
        assertThat(memory.reserve(LogEntry.delete(0, 0, "k"))).isZero();
        assertThat(memory.reserve(List.of(Mutation.delete("k")))).isZero();
    }

    @Test
    void a_new_primarys_unapplied_backlog_counts_until_its_term_commits() {
        MemoryReservations memory = new MemoryReservations(state, oneKey * 2);
        memory.reserveBacklog(List.of(LogEntry.put(1, 1, "k0", VALUE), LogEntry.put(1, 2, "k1", VALUE)));
        assertThatThrownBy(() -> memory.reserve(List.of(Mutation.put("k2", VALUE))))
                .isInstanceOf(NodeExceptions.MemoryFull.class);
        memory.releaseBacklog();
        assertThat(memory.reserve(List.of(Mutation.put("k2", VALUE)))).isPositive();
    }
}
