package dev.kvstore.store.repl;

import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A secondary's connection to its primary. Connects, authenticates both ways, cuts a divergent
 * suffix into quarantine, then appends entries and acknowledges them once they are on disk.
 * Reconnects until closed. Refuses anything from a term older than the epoch this store has seen.
 */
public final class FollowerLink implements StoreNode.Link {

    private static final Logger LOG = Logger.getLogger(FollowerLink.class);
    private static final long RETRY_MS = 100;

    private final Vertx vertx;
    private final StoreNode node;
    private final String host;
    private final int port;
    private final HandshakeProof proof;
    private final MessageCodec codec;
    private final NetClient client;
    private final Context context;
    private final AtomicLong echoNanos = new AtomicLong();

    private volatile boolean closed;
    private volatile boolean streaming;
    private volatile NetSocket socket;
    private volatile long primaryEpoch;
    private final Runnable stopAcknowledging;

    public FollowerLink(Vertx vertx, StoreNode node, String host, int port, String secret) {
        this.vertx = vertx;
        this.node = node;
        this.host = host;
        this.port = port;
        this.proof = new HandshakeProof(secret);
        this.codec = new MessageCodec(node.settings().maxEntryBytes());
        this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(1000));
        this.context = vertx.getOrCreateContext();
        this.stopAcknowledging = node.log().onDurable(this::acknowledge);
        context.runOnContext(v -> connect());
    }

    private void connect() {
        if (closed) {
            return;
        }
        client.connect(port, host).onComplete(result -> {
            if (result.failed()) {
                retry("cannot connect to " + host + ":" + port + ": " + result.cause().getMessage());
                return;
            }
            NetSocket connected = result.result();
            if (closed) {
                connected.close();
                return;
            }
            socket = connected;
            Session session = new Session(connected);
            connected.handler(session::onBytes);
            connected.closeHandler(v -> {
                streaming = false;
                retry("connection to " + host + ":" + port + " closed");
            });
            connected.exceptionHandler(e -> connected.close());
        });
    }

    private void retry(String why) {
        streaming = false;
        if (!closed) {
            LOG.debugf("%s; retrying in %d ms", why, RETRY_MS);
            vertx.setTimer(RETRY_MS, t -> connect());
        }
    }

    /** Called by the log's flusher after each group commit: tell the primary what is durable. */
    private void acknowledge(long durable) {
        NetSocket current = socket;
        if (streaming && current != null && !closed && primaryEpoch >= node.epoch()) {
            current.write(Buffer.buffer(codec.encode(new Message.Ack(primaryEpoch, durable, echoNanos.get()))));
        }
    }

    @Override
    public boolean following() {
        return streaming && !closed;
    }

    @Override
    public void close() {
        closed = true;
        stopAcknowledging.run();
        streaming = false;
        NetSocket current = socket;
        if (current != null) {
            current.close();
        }
        client.close();
    }

    /** The state of one connection: handshake first, then the stream. */
    private final class Session {
        private final NetSocket socket;
        private final FrameDecoder decoder = new FrameDecoder(node.settings().maxEntryBytes() * 2 + 64 * 1024);
        private final byte[] nonce = HandshakeProof.nonce();
        private byte[] primaryNonce;
        private boolean welcomed;
        private java.nio.channels.FileChannel incoming;
        private java.nio.file.Path incomingPath;
        private long incomingExpected;

        Session(NetSocket socket) {
            this.socket = socket;
        }

        void onBytes(Buffer buffer) {
            if (closed) {
                socket.close();
                return;
            }
            try {
                for (Frame frame : decoder.feed(buffer.getBytes())) {
                    handle(codec.decode(frame));
                }
            } catch (ProtocolException | IllegalStateException | IOException e) {
                LOG.warnf("dropping the stream from %s:%d: %s", host, port, e.getMessage());
                refuse(e.getMessage());
            }
        }

        private void handle(Message message) throws IOException {
            if (message instanceof Message.Challenge challenge && primaryNonce == null) {
                primaryNonce = challenge.nonce();
                String clusterId = node.settings().clusterId();
                if (!clusterId.equals(challenge.clusterId())) {
                    refuse("primary belongs to cluster " + challenge.clusterId() + ", not " + clusterId);
                    return;
                }
                var position = node.log();
                send(new Message.Hello(node.settings().nodeId(), clusterId, nonce,
                        proof.secondaryProof(clusterId, primaryNonce, nonce), node.epoch(), position.lastOffset(),
                        node.history()));
            } else if (message instanceof Message.Welcome welcome && primaryNonce != null && !welcomed) {
                byte[] expected = proof.primaryProof(node.settings().clusterId(), primaryNonce, nonce);
                if (!HandshakeProof.matches(expected, welcome.proof())) {
                    refuse("the primary could not prove it knows the cluster secret");
                    return;
                }
                if (welcome.epoch() < node.epoch()) {
                    refuse("primary's epoch " + welcome.epoch() + " is older than " + node.epoch());
                    return;
                }
                node.observeEpoch(welcome.epoch());
                primaryEpoch = welcome.epoch();
                node.keepOnlyCommonPrefix(welcome.keepUpTo());
                welcomed = true;
                streaming = true;
                node.secondaryProgress(welcome.commitOffset(), welcome.primaryLastOffset());
                LOG.infof("following %s:%d in epoch %d from offset %d", host, port, primaryEpoch, welcome.keepUpTo());
                acknowledge(node.log().durableOffset());
            } else if (message instanceof Message.Entries entries && welcomed && incoming == null) {
                checkTerm(entries.epoch());
                echoNanos.set(entries.sentNanos());
                node.appendReplicated(entries.entries());
                node.secondaryProgress(entries.commitOffset(), entries.primaryLastOffset());
            } else if (message instanceof Message.Heartbeat heartbeat && welcomed) {
                checkTerm(heartbeat.epoch());
                echoNanos.set(heartbeat.sentNanos());
                node.secondaryProgress(heartbeat.commitOffset(), heartbeat.primaryLastOffset());
                acknowledge(node.log().durableOffset());
            } else if (message instanceof Message.SnapshotBegin begin && welcomed && incoming == null) {
                incomingPath = node.settings().dataDir().resolve("snapshot.incoming");
                incoming = java.nio.channels.FileChannel.open(incomingPath, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
                incomingExpected = begin.totalBytes();
                LOG.infof("receiving a %d-byte snapshot at offset %d", begin.totalBytes(), begin.lastIncludedOffset());
            } else if (message instanceof Message.SnapshotChunk chunk && incoming != null) {
                java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(chunk.data());
                while (data.hasRemaining()) {
                    incoming.write(data);
                }
                if (incoming.size() > incomingExpected) {
                    throw new ProtocolException("snapshot longer than announced");
                }
            } else if (message instanceof Message.SnapshotEnd && incoming != null) {
                long size = incoming.size();
                incoming.close();
                incoming = null;
                if (size != incomingExpected) {
                    throw new ProtocolException("snapshot of " + size + " bytes, announced " + incomingExpected);
                }
                node.installSnapshot(incomingPath);
                acknowledge(node.log().durableOffset());
            } else if (message instanceof Message.Refused refused) {
                LOG.infof("primary %s:%d refused: %s", host, port, refused.reason());
                socket.close();
            } else {
                throw new ProtocolException("unexpected " + message.getClass().getSimpleName() + " from the primary");
            }
        }

        private void checkTerm(long epoch) {
            if (epoch != primaryEpoch || epoch < node.epoch()) {
                throw new ProtocolException("stream of epoch " + epoch + " refused: this store has seen epoch "
                        + node.epoch());
            }
        }

        private void send(Message message) {
            socket.write(Buffer.buffer(codec.encode(message)));
        }

        private void refuse(String reason) {
            streaming = false;
            send(new Message.Refused(reason));
            socket.close();
        }
    }
}
