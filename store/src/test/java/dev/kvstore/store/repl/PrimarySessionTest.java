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

    private static final String SECRET = "secret";

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private StoreNode node;
    private ReplicationServer server;

    @BeforeEach
    void start() throws Exception {
        NodeSettings settings = new NodeSettings("a", "test", SECRET, dir, "127.0.0.1:0", "http://127.0.0.1:0",
                ReplicationMode.SYNC, 1, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300, 100_000, 10_000);
        node = new StoreNode(settings, GuardedDiskSync.system());
        server = new ReplicationServer(vertx, node, SECRET);
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

    /** The secondary's side of the protocol, by hand. */
    private static final class RawSecondary implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final MessageCodec codec = new MessageCodec(1 << 16);
        private final FrameDecoder decoder = new FrameDecoder(1 << 20);
        private final Deque<Message> received = new ArrayDeque<>();

        RawSecondary(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5_000);
            in = socket.getInputStream();
        }

        Message next() throws IOException {
            while (received.isEmpty()) {
                byte[] buffer = new byte[65536];
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IOException("closed by the primary");
                }
                decoder.feed(buffer, 0, n).forEach(frame -> received.add(codec.decode(frame)));
            }
            return received.poll();
        }

        /** The next message of this type within 5 s, skipping others (heartbeats, entries). */
        <T extends Message> T next(Class<T> type) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                Message message = next();
                if (type.isInstance(message)) {
                    return type.cast(message);
                }
            }
            throw new AssertionError("no " + type.getSimpleName() + " from the primary within 5 s");
        }

        void send(Message message) throws IOException {
            socket.getOutputStream().write(codec.encode(message));
            socket.getOutputStream().flush();
        }

        Message.Welcome handshake(long epoch, long lastOffset, EpochHistory history) throws IOException {
            Message.Challenge challenge = next(Message.Challenge.class);
            byte[] nonce = HandshakeProof.nonce();
            send(new Message.Hello("raw", "test", nonce,
                    new HandshakeProof(SECRET).secondaryProof("test", challenge.nonce(), nonce), epoch, lastOffset,
                    history));
            return next(Message.Welcome.class);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
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
}
