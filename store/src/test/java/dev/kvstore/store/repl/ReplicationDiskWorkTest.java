package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.Role;
import dev.kvstore.store.disk.EventLoopGuard;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.ReplicationLog;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two stores in one JVM, replicating over real loopback TCP on Vert.x: the disk work of replication
 * (cutting a divergent suffix, quarantining it, installing a snapshot, persisting a newer epoch)
 * never runs on an event loop, where it would stall every connection of that loop.
 */
class ReplicationDiskWorkTest {

    private static final String SECRET = "secret";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    private record Store(StoreNode node, ReplicationServer server) {
        String address() {
            return "127.0.0.1:" + server.port();
        }
    }

    private Store store(String name, long snapshotEvery, long retention) throws Exception {
        NodeSettings settings = new NodeSettings(name, "test", SECRET, dir.resolve(name), "127.0.0.1:0",
                "http://127.0.0.1:0", ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300,
                snapshotEvery, retention);
        StoreNode node = new StoreNode(settings, GuardedDiskSync.system());
        ReplicationServer server = new ReplicationServer(vertx, node, SECRET, dev.kvstore.store.tls.StoreTls.off());
        node.attach(server, (n, host, port, epoch) -> new FollowerLink(vertx, n, host, port, SECRET, dev.kvstore.store.tls.StoreTls.off()));
        server.start("127.0.0.1", 0);
        toClose.add(node);
        toClose.add(server::stop);
        return new Store(node, server);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void a_divergent_suffix_is_cut_and_quarantined_off_the_event_loop() throws Exception {
        // the secondary's disk holds a suffix of an old term that the new primary never had
        try (ReplicationLog old = new ReplicationLog(dir.resolve("b"), FsyncPolicy.ALWAYS, 1 << 20)) {
            old.appendReplicated(List.of(LogEntry.noop(1, 1), LogEntry.put(1, 2, "x", "1".getBytes()),
                    LogEntry.put(1, 3, "y", "2".getBytes())));
            await().until(() -> old.durableOffset() == 3);
        }
        Store a = store("a", 100_000, 10_000);
        Store b = store("b", 100_000, 10_000);
        a.node().promote(2, true);
        long before = EventLoopGuard.violations();

        b.node().follow(2, a.address(), "http://a");

        await().atMost(Duration.ofSeconds(10)).until(() -> b.node().status().following());
        assertThat(b.node().quarantined()).isEqualTo(3);
        assertThat(b.node().log().lastPosition().epoch()).isEqualTo(2);
        assertThat(EventLoopGuard.violations() - before).as("disk calls made on an event loop").isZero();
    }

    @Test
    void a_snapshot_is_streamed_and_installed_off_the_event_loop() throws Exception {
        Store a = store("a", 50, 10);
        a.node().promote(1, true);
        for (int i = 0; i < 200; i++) {
            a.node().write(LogEntry.put(0, 0, "k" + i, ("v" + i).getBytes())).get(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().log().startOffset() > 1);
        Store b = store("b", 100_000, 10_000);
        long before = EventLoopGuard.violations();

        b.node().follow(1, a.address(), "http://a");

        await().atMost(Duration.ofSeconds(10)).until(() -> b.node().status().following()
                && b.node().status().appliedOffset() == a.node().log().lastOffset());
        assertThat(b.node().read("k199").value()).isEqualTo("v199".getBytes());
        assertThat(EventLoopGuard.violations() - before).as("disk calls made on an event loop").isZero();
    }

    @Test
    void a_snapshot_of_many_chunks_arrives_intact() throws Exception {
        Store a = store("a", 500, 10);
        a.node().promote(1, true);
        byte[] value = new byte[4000];
        for (int i = 0; i < 3000; i++) {
            java.util.Arrays.fill(value, (byte) i);
            a.node().write(LogEntry.put(0, 0, "k" + i, value.clone())).get(5, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().log().startOffset() > 2000);
        Store b = store("b", 100_000, 10_000);

        b.node().follow(1, a.address(), "http://a");

        await().atMost(Duration.ofSeconds(30)).until(() -> b.node().status().following()
                && b.node().status().appliedOffset() == a.node().log().lastOffset());
        for (int i = 0; i < 3000; i++) {
            java.util.Arrays.fill(value, (byte) i);
            assertThat(b.node().read("k" + i).value()).as("k" + i).isEqualTo(value);
        }
    }

    @Test
    void a_store_with_old_data_behind_the_compacted_log_takes_a_large_snapshot_intact() throws Exception {
        Store a = store("a", 2000, 100);
        Store b = store("b", 2000, 100);
        a.node().promote(1, true);
        b.node().follow(1, a.address(), "http://a");
        int keys = 8000;
        writeAll(a, keys, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> b.node().status().appliedOffset() == a.node().log().lastOffset());
        b.node().close();
        b.server().stop();
        toClose.remove(b.node());
        writeAll(a, keys, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().log().startOffset() > keys);
        Store back = store("b", 2000, 100);

        // as the admin API does it: from a worker thread of a Vert.x context (Quarkus' @Blocking)
        vertx.executeBlocking(() -> back.node().follow(1, a.address(), "http://a"), false)
                .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(60)).until(() -> back.node().status().following()
                && back.node().status().appliedOffset() == a.node().log().lastOffset());
        byte[] value = new byte[4000];
        for (int i = 0; i < keys; i++) {
            java.util.Arrays.fill(value, (byte) (i + 2));
            assertThat(back.node().read("k" + i).value()).as("k" + i).isEqualTo(value);
        }
    }

    @Test
    void a_secondary_catches_up_by_snapshot_while_writes_go_on() throws Exception {
        Store a = store("a", 300, 20);
        a.node().promote(1, true);
        writeAll(a, 2000, 1);
        Store b = store("b", 100_000, 10_000);
        java.util.concurrent.atomic.AtomicBoolean caughtUp = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = new Thread(() -> {
            byte[] value = new byte[4000];
            // a steady stream of writes, about 1500 a second, until the secondary has caught up (or 30 s)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; !caughtUp.get() && System.nanoTime() < deadline; i++) {
                try {
                    a.node().write(LogEntry.put(0, 0, "later" + i, value)).get(5, TimeUnit.SECONDS);
                    written.incrementAndGet();
                    if (i % 15 == 0) {
                        Thread.sleep(10);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(2)).until(() -> written.get() > 100);

        b.node().follow(1, a.address(), "http://a");

        // caught up while the writes go on: following, and within a few hundred entries of the primary
        await().atMost(Duration.ofSeconds(30)).until(() -> b.node().status().following()
                && a.node().log().lastOffset() - b.node().status().appliedOffset() < 500);
        boolean stillWriting = writer.isAlive();
        caughtUp.set(true);
        writer.join();
        assertThat(stillWriting).as("the secondary caught up before the writes stopped").isTrue();
        assertThat(b.node().snapshotsInstalled()).as("one snapshot, then the log after it: the primary held its log"
                + " for the secondary while the snapshot travelled").isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> b.node().status().appliedOffset() == a.node().log().lastOffset());
    }

    private static void writeAll(Store primary, int keys, int round) throws Exception {
        byte[] value = new byte[4000];
        List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            java.util.Arrays.fill(value, (byte) (i + round));
            pending.add(primary.node().write(LogEntry.put(0, 0, "k" + i, value.clone())));
            if (pending.size() == 64) {
                for (var write : pending) {
                    write.get(10, TimeUnit.SECONDS);
                }
                pending.clear();
            }
        }
        for (var write : pending) {
            write.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_newer_epoch_learned_from_a_secondary_is_persisted_off_the_event_loop() throws Exception {
        Store a = store("a", 100_000, 10_000);
        Store b = store("b", 100_000, 10_000);
        a.node().promote(1, true);
        b.node().fence(5);
        long before = EventLoopGuard.violations();

        b.node().follow(5, a.address(), "http://a");

        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().role() != Role.PRIMARY || a.node().epoch() == 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.node().epoch() == 5);
        assertThat(a.node().isActivePrimary()).as("a primary that learned of epoch 5 took no more writes").isFalse();
        assertThat(EventLoopGuard.violations() - before).as("disk calls made on an event loop").isZero();
    }
}
