package dev.kvstore.store.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real TCP on loopback: a Vert.x server whose sockets deliver through {@link SocketReads}, a plain client. */
class SocketReadsTest {

    private final Vertx vertx = Vertx.vertx();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<SocketReads> reads = new CompletableFuture<>();

    @AfterEach
    void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private int listen() throws Exception {
        return vertx.createNetServer()
                .connectHandler((NetSocket socket) -> reads.complete(SocketReads.deliver(socket, (array, offset, length) -> {
                    synchronized (received) {
                        received.write(array, offset, length);
                    }
                })))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    private byte[] receivedSoFar() {
        synchronized (received) {
            return received.toByteArray();
        }
    }

    @Test
    void every_byte_sent_arrives_once_and_in_order_reads_larger_than_the_scratch_array_included() throws Exception {
        byte[] sent = new byte[3 * 1024 * 1024 + 17];
        new Random(5).nextBytes(sent);
        Random chunks = new Random(6);
        try (Socket client = new Socket("127.0.0.1", listen())) {
            OutputStream out = client.getOutputStream();
            for (int at = 0; at < sent.length; ) {
                int chunk = Math.min(sent.length - at, 1 + chunks.nextInt(200_000));
                out.write(sent, at, chunk);
                at += chunk;
            }
            out.flush();
            await().atMost(Duration.ofSeconds(20)).until(() -> receivedSoFar().length >= sent.length);
        }
        assertThat(receivedSoFar()).isEqualTo(sent);
    }

    @Test
    void a_paused_socket_is_not_read_until_resumed_and_then_nothing_is_lost() throws Exception {
        try (Socket client = new Socket("127.0.0.1", listen())) {
            OutputStream out = client.getOutputStream();
            out.write("first".getBytes());
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> receivedSoFar().length == 5);
            SocketReads paused = reads.get(5, TimeUnit.SECONDS);
            paused.pause();
            Thread.sleep(200); // the channel's setting reaches its event loop
            out.write("second".getBytes());
            out.flush();
            Thread.sleep(500);
            assertThat(new String(receivedSoFar())).isEqualTo("first");
            paused.resume();
            await().atMost(Duration.ofSeconds(10)).until(() -> receivedSoFar().length == 11);
            assertThat(new String(receivedSoFar())).isEqualTo("firstsecond");
        }
    }
}
