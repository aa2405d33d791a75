package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogFormat;
import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.node.DecidedWrites;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.node.WriteResult;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A primary's session as a secondary written by the test sees it, over real TCP: acknowledgements
 * count only in the session's own term.
 */
class PrimarySessionTest {

    static final String SECRET = "secret";

    /** A store of cluster "test" on loopback that syncs every write to one secondary: the primary of these tests. */
    static NodeSettings primarySettings(Path dir, String secret) {
        return new NodeSettings("a", "test", secret, dir, "127.0.0.1:0", "http://127.0.0.1:0",
                ReplicationMode.SYNC, 1, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300, 100_000, 10_000);
    }

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private StoreNode node;
    private ReplicationServer server;

    @BeforeEach
    void start() throws Exception {
        NodeSettings settings = primarySettings(dir, SECRET);
        node = new StoreNode(settings, GuardedDiskSync.system());
        server = new ReplicationServer(vertx, node, SECRET, dev.kvstore.store.tls.StoreTls.off());
        node.attach(server, (n, host, port, epoch) -> {
            throw new UnsupportedOperationException();
        });
        server.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        node.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void an_acknowledgement_from_an_older_epoch_is_refused_and_commits_nothing() throws Exception {
        node.promote(3, true);
        try (RawSecondary secondary = new RawSecondary(server.port())) {
            Message.Welcome welcome = secondary.handshake(3, 0, EpochHistory.EMPTY);
            assertThat(welcome.epoch()).isEqualTo(3);
            CompletableFuture<WriteResult> write = node.write(LogEntry.put(0, 0, "k", "v".getBytes()));
            long last = node.log().lastOffset();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.log().durableOffset() >= last);

            secondary.send(new Message.Ack(2, last, System.nanoTime()));

            Message.Refused refused = secondary.next(Message.Refused.class);
            assertThat(refused.reason()).contains("epoch 2");
            await().pollDelay(Duration.ofMillis(300)).until(() -> true);
            assertThat(write).as("a write acknowledged only by a message of epoch 2").isNotDone();
            assertThat(node.commitOffset()).isLessThan(last);
        }
    }

    @Test
    void an_acknowledgement_of_the_sessions_own_term_commits() throws Exception {
        node.promote(3, true);
        try (RawSecondary secondary = new RawSecondary(server.port())) {
            secondary.handshake(3, 0, EpochHistory.EMPTY);
            CompletableFuture<WriteResult> write = node.write(LogEntry.put(0, 0, "k", "v".getBytes()));
            long last = node.log().lastOffset();

            secondary.send(new Message.Ack(3, last, System.nanoTime()));

            assertThat(write.get(5, TimeUnit.SECONDS).offset()).isEqualTo(last);
        }
    }

    @Test
    void wait_counts_a_secondary_only_once_it_echoes_a_frame_whose_commit_point_covers_the_write() throws Exception {
        node.promote(3, true);
        try (RawSecondary secondary = new RawSecondary(server.port())) {
            secondary.handshake(3, 0, EpochHistory.EMPTY);
            CompletableFuture<WriteResult> write = node.write(LogEntry.put(0, 0, "k", "v".getBytes()));
            long offset = node.log().lastOffset();
            Message.Entries carrying;
            do {
                carrying = secondary.next(Message.Entries.class);
            } while (carrying.entries().get(carrying.entries().size() - 1).offset() < offset);
            assertThat(carrying.commitOffset()).isLessThan(offset);

            secondary.send(new Message.Ack(3, offset, carrying.sentNanos()));
            write.get(5, TimeUnit.SECONDS);
            // on its disk, but it has not heard that the write committed: it would not serve it yet
            assertThat(node.secondariesHolding(offset)).isZero();

            long commitSeenAt;
            while (true) {
                Message next = secondary.next();
                if (next instanceof Message.Heartbeat heartbeat && heartbeat.commitOffset() >= offset) {
                    commitSeenAt = heartbeat.sentNanos();
                    break;
                }
                if (next instanceof Message.Entries entries && entries.commitOffset() >= offset) {
                    commitSeenAt = entries.sentNanos();
                    break;
                }
            }
            secondary.send(new Message.Ack(3, offset, commitSeenAt));
            await().atMost(Duration.ofSeconds(5)).until(() -> node.secondariesHolding(offset) == 1);
        }
    }

    private CompletableFuture<?> writeTwoKeysTogether() {
        return node.decideAll(view -> new DecidedWrites<>(java.util.List.of(Mutation.put("x", "1".getBytes()),
                Mutation.put("y", "2".getBytes())), "OK"));
    }

    /** Reads the stream up to the primary's last entry and acknowledges it: the term's first entry commits. */
    private void acknowledgeEverything(RawSecondary secondary, long epoch) throws IOException {
        long last = node.log().lastOffset();
        long received = 0;
        while (received < last) {
            Message.Entries entries = secondary.next(Message.Entries.class);
            received = entries.entries().get(entries.entries().size() - 1).offset();
            secondary.send(new Message.Ack(epoch, received, entries.sentNanos()));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.commitOffset() >= last);
    }

    @Test
    void a_hello_of_the_basic_format_is_byte_for_byte_what_releases_before_the_negotiation_send() {
        MessageCodec codec = new MessageCodec(1 << 16);
        Message.Hello basic = new Message.Hello("kv-1", "c", new byte[16], new byte[32], 1, 2, EpochHistory.EMPTY,
                LogFormat.BASIC);
        Message.Hello current = new Message.Hello("kv-1", "c", new byte[16], new byte[32], 1, 2, EpochHistory.EMPTY,
                LogFormat.CURRENT);
        // those releases refuse any byte after the history: the basic Hello ends there
        int fields = 2 + 4 + 2 + 1 + 16 + 32 + 8 + 8 + 4;
        int frameHeader = codec.encode(new Message.Ack(1, 2, 3)).length - 24;
        assertThat(codec.encode(basic)).hasSize(frameHeader + fields);
        assertThat(codec.encode(current)).hasSize(frameHeader + fields + 8); // the format and the RESP port
        FrameDecoder decoder = new FrameDecoder(1 << 20);
        Frame frame = decoder.feed(codec.encode(basic), 0, codec.encode(basic).length).get(0);
        assertThat(((Message.Hello) codec.decode(frame)).logFormat()).isEqualTo(LogFormat.BASIC);
        // the Welcome to a format-1 secondary ends after the offsets, as that release reads it
        int welcomeFields = 32 + 8 * 4;
        assertThat(codec.encode(new Message.Welcome(new byte[32], 1, 2, 3, 4))).hasSize(frameHeader + welcomeFields);
        byte[] withPort = codec.encode(new Message.Welcome(new byte[32], 1, 2, 3, 4, 6380));
        Frame welcome = decoder.feed(withPort, 0, withPort.length).get(0);
        assertThat(((Message.Welcome) codec.decode(welcome)).respPort()).isEqualTo(6380);
    }

    @Test
    void while_a_store_of_the_basic_format_streams_a_write_of_several_keys_is_refused_and_nothing_is_logged()
            throws Exception {
        node.promote(3, true);
        try (RawSecondary old = new RawSecondary(server.port())) {
            old.handshake(3, 0, EpochHistory.EMPTY, LogFormat.BASIC);
            acknowledgeEverything(old, 3);
            long before = node.log().lastOffset();
            assertThatThrownBy(this::writeTwoKeysTogether).hasMessageContaining("raw (format 1)")
                    .hasMessageContaining("nothing was applied");
            assertThat(node.log().lastOffset()).isEqualTo(before);
        }
        try (RawSecondary current = new RawSecondary(server.port())) {
            current.handshake(3, 0, EpochHistory.EMPTY, LogFormat.CURRENT);
            acknowledgeEverything(current, 3);
            long offset = node.log().lastOffset() + 1;
            writeTwoKeysTogether();
            Message.Entries entries = current.next(Message.Entries.class);
            while (entries.entries().get(entries.entries().size() - 1).offset() < offset + 1
                    && entries.entries().stream().noneMatch(e -> e.op() == LogEntry.Op.BATCH)) {
                entries = current.next(Message.Entries.class);
            }
            // at the offset, or after the time mark of a new millisecond there
            assertThat(entries.entries()).anyMatch(e -> e.op() == LogEntry.Op.BATCH && e.offset() >= offset
                    && e.offset() <= offset + 1);
        }
    }

    @Test
    void a_store_of_the_basic_format_is_never_sent_a_batch_but_told_to_upgrade() throws Exception {
        node.promote(3, true);
        try (RawSecondary current = new RawSecondary(server.port())) {
            current.handshake(3, 0, EpochHistory.EMPTY, LogFormat.CURRENT);
            acknowledgeEverything(current, 3);
            writeTwoKeysTogether();
        }
        try (RawSecondary old = new RawSecondary(server.port())) {
            old.handshake(3, 0, EpochHistory.EMPTY, LogFormat.BASIC);
            Message.Refused refused = old.next(Message.Refused.class);
            assertThat(refused.reason()).contains("reads log format 1").contains("upgrade this store");
            assertThat(old.seen).noneMatch(m -> m instanceof Message.Entries e
                    && e.entries().stream().anyMatch(entry -> entry.op() == LogEntry.Op.BATCH));
        }
    }

    @Test
    void with_fewer_good_secondaries_than_min_sync_replicas_a_write_is_refused_at_once_and_nothing_is_logged()
            throws Exception {
        node.promote(3, true);
        try (RawSecondary secondary = new RawSecondary(server.port())) {
            secondary.handshake(3, 0, EpochHistory.EMPTY);
            acknowledgeEverything(secondary, 3);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.secondaries().isEmpty());
        long before = node.log().lastOffset();
        // as Redis's min-replicas-to-write: refused before it enters the log, not left to time out
        assertThatThrownBy(() -> node.write(LogEntry.put(0, 0, "k", "v".getBytes())))
                .isInstanceOf(dev.kvstore.store.node.NodeExceptions.NoReplicas.class)
                .hasMessageStartingWith("Not enough good replicas to write.");
        assertThat(node.log().lastOffset()).isEqualTo(before);
    }

    @Test
    void a_store_of_the_basic_format_gets_frames_no_larger_than_that_release_accepts() throws Exception {
        node.promote(3, true);
        for (int i = 0; i < 20; i++) {
            node.write(LogEntry.put(0, 0, "big-" + i, new byte[60_000]));
        }
        long last = node.log().lastOffset();
        // the previous release refuses a frame over twice its largest entry: its key and value limits and 1 KiB
        int oldEntryBound = 1024 + (1 << 16) + 1024;
        try (RawSecondary old = new RawSecondary(server.port())) {
            old.handshake(3, 0, EpochHistory.EMPTY, LogFormat.BASIC);
            long received = 0;
            while (received < last) {
                Message.Entries entries = old.next(Message.Entries.class);
                int bytes = entries.entries().stream().mapToInt(dev.kvstore.store.log.LogEntryCodec::encodedSize).sum();
                assertThat(bytes).as("entries in one frame to a format-1 store").isLessThanOrEqualTo(oldEntryBound);
                received = entries.entries().get(entries.entries().size() - 1).offset();
            }
        }
    }
}
