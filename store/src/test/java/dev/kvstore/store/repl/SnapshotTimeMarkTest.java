package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secondary that catches up from a snapshot starts its log after it, and a snapshot holds no time marks:
 * the primary follows it with a mark, so that store knows one even when no write comes after (else, promoted
 * with a slower clock, it could start its term below marks already archived, and a restore to a time in
 * between would stop short of the new term's writes).
 */
class SnapshotTimeMarkTest {

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private StoreNode node;
    private ReplicationServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (node != null) {
            node.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void a_secondary_sent_a_snapshot_then_receives_a_mark_no_older_than_the_primarys_newest() throws Exception {
        // a lone primary (minSyncReplicas 0): a snapshot every 10 entries, 5 entries kept behind it
        NodeSettings settings = new NodeSettings("a", "test", PrimarySessionTest.SECRET, dir, "127.0.0.1:0",
                "http://127.0.0.1:0", ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300,
                10, 5);
        node = new StoreNode(settings, GuardedDiskSync.system());
        server = new ReplicationServer(vertx, node, PrimarySessionTest.SECRET, dev.kvstore.store.tls.StoreTls.off());
        node.attach(server, (n, host, port, epoch) -> {
            throw new UnsupportedOperationException();
        });
        server.start("127.0.0.1", 0);
        node.promote(3, true);
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> node.write(LogEntry.put(0, 0, "k0", "v".getBytes())).get(2, TimeUnit.SECONDS) != null);
        for (int i = 1; i < 40; i++) {
            node.write(LogEntry.put(0, 0, "k" + i, "v".getBytes())).get(2, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.log().startOffset() > 1);
        long lastBeforeJoining = node.log().lastOffset();
        long newestMark = node.log().lastMarkMillis(); // the newest the log holds or held (a compaction may run)

        try (RawSecondary secondary = new RawSecondary(server.port())) {
            secondary.handshake(3, 0, EpochHistory.EMPTY);
            Message.SnapshotBegin begin = secondary.next(Message.SnapshotBegin.class);
            assertThat(begin.lastIncludedOffset()).isLessThanOrEqualTo(lastBeforeJoining);
            secondary.next(Message.SnapshotEnd.class);
            LogEntry after = null;
            while (after == null) {
                after = secondary.next(Message.Entries.class).entries().stream()
                        .filter(entry -> entry.offset() > lastBeforeJoining).findFirst().orElse(null);
            }
            assertThat(after.markedMillis()).as("the first entry after the log as it stood: a time mark")
                    .isGreaterThanOrEqualTo(newestMark);
        }
    }
}
