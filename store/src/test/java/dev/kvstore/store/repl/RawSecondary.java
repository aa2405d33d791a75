package dev.kvstore.store.repl;

import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogFormat;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/** The secondary's side of the protocol, by hand. */
final class RawSecondary implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final MessageCodec codec = new MessageCodec(1 << 16);
    private final FrameDecoder decoder = new FrameDecoder(1 << 20);
    private final Deque<Message> received = new ArrayDeque<>();
    /** Every message taken from the stream, skipped ones too. */
    final java.util.List<Message> seen = new java.util.ArrayList<>();

    private final String secret;
    private final String nodeId;
    /** The nonces of the last handshake: a test checks the primary's proof with them. */
    byte[] primaryNonce;
    byte[] ownNonce;

    RawSecondary(int port) throws IOException {
        this(port, PrimarySessionTest.SECRET);
    }

    RawSecondary(int port, String secret) throws IOException {
        this(port, secret, "raw");
    }

    RawSecondary(int port, String secret, String nodeId) throws IOException {
        this(new Socket("127.0.0.1", port), secret, nodeId);
    }

    /** Over a socket made by the test: a TLS one, with the certificate the test gives. */
    RawSecondary(Socket socket, String secret, String nodeId) throws IOException {
        this.secret = secret;
        this.nodeId = nodeId;
        this.socket = socket;
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
        Message message = received.poll();
        seen.add(message);
        return message;
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
        return handshake(epoch, lastOffset, history, LogFormat.CURRENT);
    }

    Message.Welcome handshake(long epoch, long lastOffset, EpochHistory history, int logFormat) throws IOException {
        Message.Challenge challenge = next(Message.Challenge.class);
        byte[] nonce = HandshakeProof.nonce();
        primaryNonce = challenge.nonce();
        ownNonce = nonce;
        send(new Message.Hello(nodeId, "test", nonce,
                new HandshakeProof(secret).secondaryProof("test", challenge.nonce(), nonce), epoch, lastOffset,
                history, logFormat));
        return next(Message.Welcome.class);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
