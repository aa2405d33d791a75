package dev.kvstore.store.repl;

import dev.kvstore.store.net.SocketReads;
import io.netty.buffer.Unpooled;

import dev.kvstore.store.log.LogFormat;
import dev.kvstore.store.log.LogFailedException;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import dev.kvstore.store.tls.StoreTls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A secondary's connection to its primary. Connects, authenticates both ways, cuts a divergent
 * suffix into quarantine, then appends entries and acknowledges them once they are on disk.
 * Reconnects until closed. Refuses anything from a term older than the epoch this store has seen.
 *
 * <p>Messages are handled in order. Entries and heartbeats are handled on the event loop (they only
 * touch memory); a message that needs the disk (the welcome, which may persist an epoch and cut the
 * log; snapshot transfer and install) goes to a worker while the socket is paused and the messages
 * behind it wait, so no fsync ever stalls the event loop.
 */
public final class FollowerLink implements StoreNode.Link {

    private static final Logger LOG = Logger.getLogger(FollowerLink.class);
    private static final long RETRY_MS = 100;
    /** Snapshot files being received are named this plus the session's number. */
    static final String INCOMING_PREFIX = "snapshot.incoming.";
    private static final AtomicLong SESSIONS = new AtomicLong();

    private final Vertx vertx;
    private final StoreNode node;
    private final String host;
    private final int port;
    private final HandshakeProof proof;
    private final MessageCodec codec;
    private final NetClientOptions clientOptions;
    /**
     * Made anew for each connection: a TLS session kept by a client for resumption carries the certificates of
     * its first handshake, so a connection the primary closed for a CA rotated away would come back resumed with
     * the same ones, and be closed again, until the session expired.
     */
    private volatile NetClient client;
    /** Whether a connection was made with {@link #client}: the next connection gets a client of its own. */
    private boolean connectedWithClient;
    private final Context context;

    /**
     * How a release before log formats were negotiated refuses a Hello that carries one: its decoder
     * finds the format's bytes after the last field it knows (frame type 2 is Hello).
     */
    static final String OLD_RELEASE_REFUSAL = "unexpected bytes after a frame of type " + MessageCodec.HELLO;

    private volatile boolean closed;
    /** The format the next Hello offers: the current one, unless this primary turned out to be older. */
    private volatile int offeredFormat;
    private volatile NetSocket socket;
    /** The session whose stream is live: its welcome (and any cut of the log) is done. */
    private volatile Session streaming;
    private final Runnable stopAcknowledging;

    public FollowerLink(Vertx vertx, StoreNode node, String host, int port, String secret, StoreTls tls) {
        this(vertx, node, host, port, new HandshakeProof(secret), tls);
    }

    /** @param proof asks the cluster secrets held at each handshake (a rotation changes them) */
    public FollowerLink(Vertx vertx, StoreNode node, String host, int port, HandshakeProof proof, StoreTls tls) {
        this.vertx = vertx;
        this.node = node;
        this.host = host;
        this.port = port;
        this.proof = proof;
        this.codec = new MessageCodec(node.settings().maxEntryBytes());
        this.offeredFormat = node.settings().logFormat();
        // with TLS: this store's certificate shown, the primary's checked against the cluster's CA. Not against
        // the address: primaries are reached by pod IP, which changes at each restart and is in no certificate,
        // and all of a cluster's stores share one certificate anyway; the CA is the cluster's alone
        // (OperatorIT's stores on 127.0.N.x never followed while the name was checked)
        NetClientOptions options = tls.apply(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(1000));
        if (tls.enabled()) {
            // "" says no name check; Vert.x 4.5 refuses every TLS connect when none is set at all
            options.setHostnameVerificationAlgorithm("");
        }
        this.clientOptions = options;
        this.context = vertx.getOrCreateContext();
        this.stopAcknowledging = node.log().onDurable(durable -> acknowledge());
        context.runOnContext(v -> connect());
    }

    private void connect() {
        if (closed) {
            return;
        }
        // on this link's context, one connection at a time: the client before has nothing open any more. Made anew
        // only after a connection was made with it (attempts that found no primary, every 100 ms, keep theirs)
        NetClient current = client;
        if (current == null || connectedWithClient) {
            NetClient fresh = vertx.createNetClient(clientOptions);
            client = fresh;
            connectedWithClient = false;
            if (current != null) {
                current.close();
            }
            if (closed) {
                fresh.close(); // closed meanwhile: close() may have closed the one before
                return;
            }
            current = fresh;
        }
        current.connect(port, host).onComplete(result -> {
            if (result.failed()) {
                retry("cannot connect to " + host + ":" + port + ": " + result.cause().getMessage());
                return;
            }
            NetSocket connected = result.result();
            connectedWithClient = true;
            if (closed) {
                connected.close();
                return;
            }
            socket = connected;
            Session session = new Session(connected);
            session.reads = SocketReads.deliver(connected, session::onBytes);
            connected.closeHandler(v -> {
                session.ended = true;
                if (session.welcomed) {
                    // the primary at this address may be restarted as a newer release: offer the current format again
                    offeredFormat = node.settings().logFormat();
                }
                if (!session.diskWorkRunning) {
                    session.closeIncoming();
                }
                if (streaming == session) {
                    streaming = null;
                }
                retry("connection to " + host + ":" + port + " closed");
            });
            connected.exceptionHandler(e -> connected.close());
        });
    }

    private void retry(String why) {
        if (!closed) {
            LOG.debugf("%s; retrying in %d ms", why, RETRY_MS);
            vertx.setTimer(RETRY_MS, t -> connect());
        }
    }

    /**
     * Tells the primary what is durable, after each group commit (on the flusher thread) and after
     * the welcome. Reads the durable offset now rather than taking the flusher's value: a cut of the
     * log between the two would make that value name entries that are not on disk.
     */
    private void acknowledge() {
        Session live = streaming;
        if (live != null && !closed) {
            live.acknowledge();
        }
    }

    @Override
    public boolean following() {
        return streaming != null && !closed;
    }

    @Override
    public void close() {
        closed = true;
        stopAcknowledging.run();
        streaming = null;
        NetSocket current = socket;
        if (current != null) {
            current.close();
        }
        NetClient last = client;
        if (last != null) {
            last.close();
        }
    }

    /** The state of one connection: handshake first, then the stream. */
    private final class Session {
        private final NetSocket socket;
        private final FrameDecoder decoder = new FrameDecoder(node.settings().maxEntryBytes() * 2 + 64 * 1024);
        private final byte[] nonce = HandshakeProof.nonce();
        private final ArrayDeque<Message> backlog = new ArrayDeque<>();
        private final long sessionNumber = SESSIONS.incrementAndGet();
        /** The send time of the newest frame of this session applied here (0: none yet); never an earlier session's. */
        private final AtomicLong echoNanos = new AtomicLong();
        private boolean diskWorkRunning; // event loop only
        private volatile boolean ended;
        private volatile long primaryEpoch;
        private byte[] primaryNonce;
        private volatile boolean welcomed;
        private int helloFormat;
        // snapshot transfer: touched only by disk work, which runs one step at a time, in order
        private FileChannel incoming;
        private Path incomingPath;
        private long incomingExpected;
        /** Set as the session starts, before the first byte can arrive. */
        private SocketReads reads;

        Session(NetSocket socket) {
            this.socket = socket;
        }

        void onBytes(byte[] array, int offset, int length) {
            if (closed) {
                socket.close();
                return;
            }
            try {
                for (Frame frame : decoder.feed(array, offset, length)) {
                    backlog.add(codec.decode(frame));
                }
            } catch (ProtocolException e) {
                drop(e);
                return;
            }
            drain();
        }

        /** Handles queued messages in order; one that needs the disk runs on a worker, the rest wait for it. */
        private void drain() {
            // not once closed: a fence (an epoch's or a maintenance one) stops the stream's backlog too
            while (!diskWorkRunning && !ended && !closed && !backlog.isEmpty()) {
                Message message = backlog.poll();
                if (needsDisk(message)) {
                    diskWorkRunning = true;
                    reads.pause();
                    vertx.executeBlocking(() -> {
                        if (ended || closed) {
                            // a later session may be writing its own snapshot file by now: touch nothing
                            closeIncoming();
                            return null;
                        }
                        handle(message);
                        return null;
                    }, true).onComplete(done -> {
                        diskWorkRunning = false;
                        if (ended) {
                            closeIncoming();
                            return;
                        }
                        if (done.failed()) {
                            drop(done.cause());
                            return;
                        }
                        reads.resume();
                        drain();
                    });
                    return;
                }
                try {
                    handle(message);
                } catch (RuntimeException | IOException e) {
                    drop(e);
                    return;
                }
            }
        }

        private boolean needsDisk(Message message) {
            return message instanceof Message.Welcome || message instanceof Message.SnapshotBegin
                    || message instanceof Message.SnapshotChunk || message instanceof Message.SnapshotEnd;
        }

        private void drop(Throwable e) {
            LOG.warnf("dropping the stream from %s:%d: %s", host, port, e.getMessage());
            backlog.clear();
            refuse(String.valueOf(e.getMessage()));
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
                helloFormat = offeredFormat;
                send(new Message.Hello(node.settings().nodeId(), clusterId, nonce,
                        proof.secondaryProof(clusterId, primaryNonce, nonce), node.epoch(), position.lastOffset(),
                        node.history(), helloFormat, helloFormat > LogFormat.BASIC ? node.respPort() : 0));
            } else if (message instanceof Message.Welcome welcome && primaryNonce != null && !welcomed) {
                onWelcome(welcome); // on a worker
            } else if (message instanceof Message.Entries entries && welcomed && incoming == null) {
                checkTerm(entries.epoch());
                try {
                    node.appendReplicated(entries.entries());
                } catch (LogFailedException e) {
                    throw new IOException(e.getMessage(), e);
                }
                // echoed only once its commit point is applied: the primary's WAIT counts on that
                if (node.secondaryProgress(entries.commitOffset(), entries.primaryLastOffset())) {
                    echoNanos.set(entries.sentNanos());
                }
            } else if (message instanceof Message.Heartbeat heartbeat && welcomed) {
                checkTerm(heartbeat.epoch());
                if (node.secondaryProgress(heartbeat.commitOffset(), heartbeat.primaryLastOffset())) {
                    echoNanos.set(heartbeat.sentNanos()); // after the apply, as for entries
                    acknowledge();
                }
            } else if (message instanceof Message.SnapshotBegin begin && welcomed && incoming == null) {
                // a file of this session's own: a session that ended may still have a chunk in flight
                removeStaleIncoming();
                incomingPath = node.settings().dataDir().resolve(INCOMING_PREFIX + sessionNumber);
                incoming = FileChannel.open(incomingPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                incomingExpected = begin.totalBytes();
                LOG.infof("receiving a %d-byte snapshot at offset %d", begin.totalBytes(), begin.lastIncludedOffset());
            } else if (message instanceof Message.SnapshotChunk chunk && incoming != null) {
                ByteBuffer data = ByteBuffer.wrap(chunk.data());
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
                node.installSnapshot(incomingPath, FollowerLink.this);
                acknowledge();
            } else if (message instanceof Message.Refused refused) {
                LOG.infof("primary %s:%d refused: %s", host, port, refused.reason());
                if (!welcomed && helloFormat > LogFormat.BASIC && refused.reason().contains(OLD_RELEASE_REFUSAL)) {
                    // a release before formats were negotiated reads no format in a Hello; the next
                    // handshake sends the Hello it knows, and this store follows it with basic entries
                    LOG.infof("primary %s:%d is an older release: following it with log format %d", host, port,
                            LogFormat.BASIC);
                    offeredFormat = LogFormat.BASIC;
                }
                socket.close();
            } else {
                throw new ProtocolException("unexpected " + message.getClass().getSimpleName() + " from the primary");
            }
        }

        /** Runs on a worker: persisting the primary's epoch and cutting a divergent suffix are fsyncs. */
        private void onWelcome(Message.Welcome welcome) throws IOException {
            if (!proof.primaryProved(node.settings().clusterId(), primaryNonce, nonce, welcome.proof())) {
                refuse("the primary could not prove it knows the cluster secret");
                return;
            }
            if (welcome.epoch() < node.epoch()) {
                refuse("primary's epoch " + welcome.epoch() + " is older than " + node.epoch());
                return;
            }
            node.observeEpoch(welcome.epoch());
            primaryEpoch = welcome.epoch();
            node.primaryRespPortIs(welcome.respPort());
            node.keepOnlyCommonPrefix(welcome.keepUpTo());
            welcomed = true;
            node.secondaryProgress(welcome.commitOffset(), welcome.primaryLastOffset());
            if (ended || closed) {
                return;
            }
            streaming = this;
            if (ended || closed) {
                // the connection closed meanwhile, and its close handler may have looked before we set it
                if (streaming == this) {
                    streaming = null;
                }
                return;
            }
            LOG.infof("following %s:%d in epoch %d from offset %d", host, port, primaryEpoch, welcome.keepUpTo());
            acknowledge();
        }

        /** From any thread: what the log holds durably now, in this session's term. */
        void acknowledge() {
            if (ended || primaryEpoch < node.epoch()) {
                return;
            }
            long durable = node.log().durableOffset();
            socket.write(Buffer.buffer(Unpooled.wrappedBuffer(codec.encode(new Message.Ack(primaryEpoch, durable, echoNanos.get())))));
        }

        private void checkTerm(long epoch) {
            if (epoch != primaryEpoch || epoch < node.epoch()) {
                throw new ProtocolException("stream of epoch " + epoch + " refused: this store has seen epoch "
                        + node.epoch());
            }
        }

        private void send(Message message) {
            socket.write(Buffer.buffer(Unpooled.wrappedBuffer(codec.encode(message))));
        }

        /** Deletes snapshot files that sessions before this one left half written. Disk work: on a worker. */
        private void removeStaleIncoming() throws IOException {
            try (var stale = Files.newDirectoryStream(node.settings().dataDir(), INCOMING_PREFIX + "*")) {
                for (Path file : stale) {
                    Files.deleteIfExists(file);
                }
            }
        }

        /** Closes this session's half-received snapshot, if any; the next session deletes the file. */
        private synchronized void closeIncoming() {
            FileChannel channel = incoming;
            incoming = null;
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debugf("closing a half-received snapshot: %s", e.getMessage());
                }
            }
        }

        private void refuse(String reason) {
            ended = true;
            if (streaming == this) {
                streaming = null;
            }
            send(new Message.Refused(reason));
            socket.close();
        }
    }
}
