package dev.kvstore.store.repl;

import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One secondary connected to this primary: the handshake (challenge, proof, where to cut its log),
 * then a stream of entries and heartbeats out and acknowledgements in. All of its work runs on its
 * connection's event loop.
 */
final class PrimarySession {

    private static final Logger LOG = Logger.getLogger(PrimarySession.class);
    private static final int MAX_ENTRIES_PER_FRAME = 512;
    private static final long HANDSHAKE_TIMEOUT_MS = 5_000;
    /** How soon an idle secondary hears of a new commit point (it applies, and serves reads, up to it). */
    private static final long COMMIT_NOTICE_MS = 5;

    private final Vertx vertx;
    private final NetSocket socket;
    private final StoreNode node;
    private final HandshakeProof proof;
    private final Consumer<PrimarySession> onClose;
    private final MessageCodec codec;
    private final FrameDecoder decoder;
    private final Context context;
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private final byte[] nonce = HandshakeProof.nonce();
    private final String clusterId;

    private String follower;
    private long term;
    private long nextOffset;
    private long sentCommit = -1;
    private long timer = -1;
    private long commitTimer = -1;
    private boolean closed;
    private byte[] pendingSnapshot;
    private int snapshotSent;
    private static final int SNAPSHOT_CHUNK_BYTES = 256 * 1024;

    PrimarySession(Vertx vertx, NetSocket socket, StoreNode node, HandshakeProof proof, Consumer<PrimarySession> onClose) {
        this.vertx = vertx;
        this.socket = socket;
        this.node = node;
        this.proof = proof;
        this.onClose = onClose;
        this.codec = new MessageCodec(node.settings().maxEntryBytes());
        this.decoder = new FrameDecoder(node.settings().maxEntryBytes() * 2 + 64 * 1024);
        this.context = vertx.getOrCreateContext();
        this.clusterId = node.settings().clusterId();
    }

    void start() {
        socket.handler(this::onBytes);
        socket.closeHandler(v -> closed());
        socket.exceptionHandler(e -> socket.close());
        if (!node.isActivePrimary()) {
            refuseAndClose("this store is not the primary");
            return;
        }
        send(new Message.Challenge(nonce, clusterId));
        vertx.setTimer(HANDSHAKE_TIMEOUT_MS, t -> {
            if (follower == null) {
                refuseAndClose("no handshake within " + HANDSHAKE_TIMEOUT_MS + " ms");
            }
        });
    }

    private void onBytes(Buffer buffer) {
        if (closed) {
            return;
        }
        try {
            for (Frame frame : decoder.feed(buffer.getBytes())) {
                handle(codec.decode(frame));
            }
        } catch (ProtocolException e) {
            LOG.warnf("closing replication connection from %s: %s", socket.remoteAddress(), e.getMessage());
            refuseAndClose("protocol error: " + e.getMessage());
        }
    }

    private void handle(Message message) {
        if (message instanceof Message.Hello hello && follower == null) {
            onHello(hello);
        } else if (message instanceof Message.Ack ack && follower != null) {
            if (ack.epoch() > term) {
                node.observeEpoch(ack.epoch());
                refuseAndClose("secondary reports newer epoch " + ack.epoch());
                return;
            }
            node.tracker().acknowledged(follower, ack.durableOffset(), ack.echoNanos());
        } else if (message instanceof Message.Refused refused) {
            LOG.infof("secondary %s refused the stream: %s", follower, refused.reason());
            socket.close();
        } else {
            throw new ProtocolException("unexpected " + message.getClass().getSimpleName() + " from a secondary");
        }
    }

    private void onHello(Message.Hello hello) {
        if (!clusterId.equals(hello.clusterId())) {
            refuseAndClose("cluster id " + hello.clusterId() + " does not match " + clusterId);
            return;
        }
        byte[] expected = proof.secondaryProof(clusterId, nonce, hello.nonce());
        if (!HandshakeProof.matches(expected, hello.proof())) {
            LOG.warnf("refusing replication peer %s (%s): wrong secret", socket.remoteAddress(), hello.nodeId());
            refuseAndClose("authentication failed: wrong cluster secret");
            return;
        }
        if (hello.epoch() > node.termEpoch()) {
            node.observeEpoch(hello.epoch());
            refuseAndClose("this primary's term " + node.termEpoch() + " is older than epoch " + hello.epoch());
            return;
        }
        if (!node.isActivePrimary()) {
            refuseAndClose("this store is not the primary");
            return;
        }
        term = node.termEpoch();
        EpochHistory mine = node.history();
        long myLast = node.log().lastOffset();
        long keep = EpochHistory.commonPrefix(mine, myLast, hello.history(), hello.lastOffset());
        follower = hello.nodeId() + "@" + socket.remoteAddress();
        nextOffset = keep + 1;
        send(new Message.Welcome(proof.primaryProof(clusterId, nonce, hello.nonce()), term, keep,
                node.commitOffset(), myLast));
        if (nextOffset < node.log().startOffset()) {
            // what it lacks was compacted away: send the snapshot, then the log after it
            try {
                byte[] snapshot = java.nio.file.Files.readAllBytes(node.snapshotFile().path());
                long lastIncluded = java.nio.ByteBuffer.wrap(snapshot, 8, 8).getLong();
                pendingSnapshot = snapshot;
                send(new Message.SnapshotBegin(lastIncluded, snapshot.length));
                nextOffset = lastIncluded + 1;
                LOG.infof("secondary %s is behind the log (needs %d, log starts at %d): sending a %d-byte snapshot at %d",
                        follower, keep + 1, node.log().startOffset(), snapshot.length, lastIncluded);
            } catch (java.io.IOException e) {
                refuseAndClose("cannot read the snapshot: " + e.getMessage());
                return;
            }
        }
        LOG.infof("secondary %s joined epoch %d: its log %d, common prefix %d", follower, term, hello.lastOffset(), keep);
        timer = vertx.setPeriodic(node.settings().heartbeatMillis(), t -> pump(true));
        commitTimer = vertx.setPeriodic(COMMIT_NOTICE_MS, t -> {
            if (node.commitOffset() != sentCommit) {
                pump(false);
            }
        });
        wake();
    }

    /** Schedules a send of whatever is new; coalesces wake-ups from many writers. */
    void wake() {
        if (follower != null && pumpScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                pumpScheduled.set(false);
                pump(false);
            });
        }
    }

    private void pump(boolean heartbeat) {
        if (closed || follower == null) {
            return;
        }
        if (!node.isActivePrimary() || node.termEpoch() != term) {
            refuseAndClose("this store is no longer the primary of epoch " + term);
            return;
        }
        while (pendingSnapshot != null && !socket.writeQueueFull()) {
            int length = Math.min(SNAPSHOT_CHUNK_BYTES, pendingSnapshot.length - snapshotSent);
            send(new Message.SnapshotChunk(java.util.Arrays.copyOfRange(pendingSnapshot, snapshotSent, snapshotSent + length)));
            snapshotSent += length;
            if (snapshotSent == pendingSnapshot.length) {
                send(new Message.SnapshotEnd());
                pendingSnapshot = null;
            }
        }
        boolean sent = false;
        while (pendingSnapshot == null && !socket.writeQueueFull()) {
            List<LogEntry> batch = node.log().read(nextOffset, MAX_ENTRIES_PER_FRAME);
            if (batch.isEmpty()) {
                break;
            }
            long commit = node.commitOffset();
            send(new Message.Entries(term, commit, node.log().lastOffset(), System.nanoTime(), batch));
            sentCommit = commit;
            nextOffset = batch.get(batch.size() - 1).offset() + 1;
            sent = true;
        }
        if (socket.writeQueueFull()) {
            socket.drainHandler(v -> pump(false));
            return;
        }
        long commit = node.commitOffset();
        if (!sent && pendingSnapshot == null && (heartbeat || commit != sentCommit)) {
            send(new Message.Heartbeat(term, commit, node.log().lastOffset(), System.nanoTime()));
            sentCommit = commit;
        }
    }

    private void send(Message message) {
        socket.write(Buffer.buffer(codec.encode(message)));
    }

    void refuseAndClose(String reason) {
        context.runOnContext(v -> {
            if (closed) {
                return;
            }
            send(new Message.Refused(reason));
            socket.close();
        });
    }

    private void closed() {
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            vertx.cancelTimer(commitTimer);
        }
        if (follower != null && node.tracker() != null) {
            node.tracker().followerGone(follower);
        }
        onClose.accept(this);
    }
}
