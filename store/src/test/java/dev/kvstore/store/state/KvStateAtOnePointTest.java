package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Reads at one point of the log run on event loops: they wait for an apply, never for a snapshot's walk. */
class KvStateAtOnePointTest {

    @Test
    void waits_for_no_snapshot_walk_or_load_which_hold_the_states_monitor() throws Exception {
        KvState state = new KvState();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread snapshot = new Thread(() -> {
            synchronized (state) { // what frozen() and load() hold for their whole walk
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        snapshot.start();
        held.await();
        try {
            CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> state.atOnePoint(() -> "read"));
            assertThat(read.get(2, TimeUnit.SECONDS)).isEqualTo("read");
        } finally {
            release.countDown();
            snapshot.join();
        }
    }
}
