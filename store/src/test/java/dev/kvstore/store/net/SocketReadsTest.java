package dev.kvstore.store.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCounted;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    void every_byte_sent_arrives_once_and_in_order() throws Exception {
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
        // the receiver pauses on its own event loop once "first" is in, as a connection with too much backlog does
        int port = vertx.createNetServer()
                .connectHandler((NetSocket socket) -> {
                    SocketReads[] self = new SocketReads[1];
                    self[0] = SocketReads.deliver(socket, (array, offset, length) -> {
                        synchronized (received) {
                            received.write(array, offset, length);
                            if (received.size() >= 5 && !reads.isDone()) {
                                self[0].pause();
                                reads.complete(self[0]);
                            }
                        }
                    });
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        try (Socket client = new Socket("127.0.0.1", port)) {
            OutputStream out = client.getOutputStream();
            out.write("first".getBytes());
            out.flush();
            SocketReads paused = reads.get(10, TimeUnit.SECONDS);
            out.write("second".getBytes());
            out.flush();
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(new String(receivedSoFar())).isEqualTo("first"));
            paused.resume();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(new String(receivedSoFar())).isEqualTo("firstsecond"));
        }
    }

    @Test
    void a_read_larger_than_the_scratch_array_is_handed_over_in_slices_in_order_and_released() {
        byte[] sent = new byte[200_000];
        new Random(7).nextBytes(sent);
        ByteBuf direct = Unpooled.directBuffer(sent.length).writeBytes(sent);
        List<Integer> slices = new ArrayList<>();
        SocketReads.handOver(direct, (array, offset, length) -> {
            slices.add(length);
            received.write(array, offset, length);
        });
        assertThat(slices).hasSizeGreaterThan(1).allMatch(length -> length <= 64 * 1024);
        assertThat(received.toByteArray()).isEqualTo(sent);
        assertThat(direct.refCnt()).isZero();
    }

    @Test
    void a_message_that_is_no_bytes_is_released_and_not_handed_over() {
        ByteBuf notBytes = Unpooled.buffer(4);
        ReferenceCounted other = new io.netty.util.AbstractReferenceCounted() {
            @Override
            protected void deallocate() {
                notBytes.release();
            }

            @Override
            public ReferenceCounted touch(Object hint) {
                return this;
            }
        };
        List<Integer> handed = new ArrayList<>();
        SocketReads.handOver(other, (array, offset, length) -> handed.add(length));
        assertThat(handed).isEmpty();
        assertThat(other.refCnt()).isZero();
    }
}
