package dev.kvstore.store.repl;

import dev.kvstore.store.net.SocketReads;
import io.netty.buffer.Unpooled;

import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogFormat;
import dev.kvstore.store.node.CommitTracker;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.snapshot.SnapshotReader;
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
 * then a stream of entries and heartbeats out and acknowledgements in. Its work runs on its
 * connection's event loop, except disk work (persisting a newer epoch, reading a snapshot), which
 * goes to a worker. Acknowledgements count only in the term the session was opened in, with that
 * term's tracker: an acknowledgement of another epoch ends the session.
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
    /** How long a store whose connection this primary closed (a rotated secret) keeps its place: see below. */
    static final long PLACE_KEPT_MILLIS = 2_000;
    private volatile boolean keepPlace;
    private final MessageCodec codec;
    private final FrameDecoder decoder;
    private final Context context;
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private final byte[] nonce = HandshakeProof.nonce();
    private final String clusterId;

    private volatile String follower;
    private volatile String followerId;
    private static final java.util.concurrent.atomic.AtomicLong SESSIONS = new java.util.concurrent.atomic.AtomicLong();
    private final long sessionNumber = SESSIONS.incrementAndGet();
    private long term;
    private CommitTracker termTracker;
    /** Read by the snapshotter too ({@link #offsetNeeded}); written on the event loop only. */
    private volatile long nextOffset;
    /** The newest log format the secondary reads: entries of newer kinds are never sent to it. */
    private volatile int followerFormat = LogFormat.BASIC;
    private volatile int followerRespPort;
    private volatile long ackedOffset;
    private volatile boolean acknowledged;
    private final AppliedByEcho applied = new AppliedByEcho();
    private long sentCommit = -1;
    private long timer = -1;
    private long commitTimer = -1;
    private volatile boolean closed;
    /** The fingerprint of the secret the secondary proved (never the secret: it outlives the handshake). */
    private volatile String provedFingerprint;
    /** With TLS, the certificate chains of both ends, as the handshake took them: checked again when CAs change. */
    private volatile java.util.List<java.security.cert.Certificate> peerChain;
    private volatile java.util.List<java.security.cert.Certificate> localChain;
    private volatile boolean closingForDroppedCredential;
    /** Set from the handshake until the snapshot is opened: no entries go out before it. */
    private volatile boolean snapshotOpening;
    private SnapshotReader snapshot;
    private long snapshotSent;
    private boolean chunkReading;
    private boolean ending;
    /** Snapshot bytes per frame at most; never more than one entry may be, so a chunk fits every frame limit. */
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
        SocketReads.deliver(socket, this::onBytes);
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

    /** The secondary on the other end, once its handshake passed; null before. */
    StoreNode.SecondaryView view() {
        String id = followerId;
        return id == null || closed ? null
                : new StoreNode.SecondaryView(id, socket.remoteAddress().hostAddress(), ackedOffset, followerRespPort);
    }

    private void onBytes(byte[] array, int offset, int length) {
        if (closed) {
            return;
        }
        try {
            for (Frame frame : decoder.feed(array, offset, length)) {
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
                learnNewerEpoch(ack.epoch());
                refuseAndClose("secondary reports newer epoch " + ack.epoch());
                return;
            }
            if (ack.epoch() < term) {
                refuseAndClose("acknowledgement of epoch " + ack.epoch() + " in a stream of epoch " + term);
                return;
            }
            ackedOffset = Math.max(ackedOffset, ack.durableOffset());
            // an echo that is not of this session's frames proves nothing: counted as none (0), as on a new link
            long echo = applied.ours(ack.echoNanos()) ? ack.echoNanos() : 0;
            termTracker.acknowledged(followerId, sessionNumber, ack.durableOffset(), echo, applied.echoed(echo));
            // back in earnest (a rotation's closing paces on it) once it echoed a frame of this session: its first
            // Ack, right after the Welcome, echoes none, and the tracker does not count it good before one
            acknowledged |= echo != 0;
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
        String proved = proof.secretProvedBySecondary(clusterId, nonce, hello.nonce(), hello.proof());
        if (proved == null) {
            LOG.warnf("refusing replication peer %s (%s): wrong secret", socket.remoteAddress(), hello.nodeId());
            refuseAndClose("authentication failed: wrong cluster secret");
            return;
        }
        if (hello.epoch() > node.termEpoch()) {
            learnNewerEpoch(hello.epoch());
            refuseAndClose("this primary's term " + node.termEpoch() + " is older than epoch " + hello.epoch());
            return;
        }
        StoreNode.Term active = node.activeTerm();
        if (active == null) {
            refuseAndClose("this store is not the primary");
            return;
        }
        term = active.epoch();
        termTracker = active.tracker();
        EpochHistory mine = node.history();
        long myLast = node.log().lastOffset();
        long keep = EpochHistory.commonPrefix(mine, myLast, hello.history(), hello.lastOffset());
        followerFormat = hello.logFormat();
        followerRespPort = hello.respPort();
        followerId = hello.nodeId();
        follower = hello.nodeId() + "@" + socket.remoteAddress();
        nextOffset = keep + 1;
        // the chains before the fingerprint: the reload worker takes a session with a fingerprint as complete
        if (socket.isSsl() && socket.sslSession() != null) {
            try {
                peerChain = java.util.List.of(socket.sslSession().getPeerCertificates());
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                peerChain = null; // the server requires a client certificate: not reached with TLS on
            }
            java.security.cert.Certificate[] local = socket.sslSession().getLocalCertificates();
            localChain = local == null ? null : java.util.List.of(local);
        }
        provedFingerprint = dev.kvstore.core.admin.ClusterSecrets.fingerprint(proved);
        // the primary's Redis-protocol port only to a secondary that reads it (format 1 reads nothing more)
        send(new Message.Welcome(HandshakeProof.primaryProof(proved, clusterId, nonce, hello.nonce()), term, keep,
                node.commitOffset(), myLast, followerFormat > LogFormat.BASIC ? node.respPort() : 0));
        if (nextOffset < node.log().startOffset()) {
            // what it lacks was compacted away: send the snapshot, then the log after it
            openSnapshot(keep + 1);
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

    /** Persisting a newer epoch is an fsync: a worker does it; the session ends meanwhile. */
    private void learnNewerEpoch(long seen) {
        vertx.executeBlocking(() -> {
            node.observeEpoch(seen);
            return null;
        }, false).onFailure(e -> LOG.warnf("could not persist epoch %d: %s", seen, e.getMessage()));
    }

    private void openSnapshot(long needed) {
        snapshotOpening = true;
        java.nio.file.Path file = node.snapshotFile().path();
        int readable = followerFormat;
        vertx.executeBlocking(() -> {
            SnapshotReader reader = SnapshotReader.open(file);
            // checked on the file this reader holds open: a new snapshot may be renamed in meanwhile
            int needs = dev.kvstore.store.snapshot.SnapshotFile.formatOf(reader.read(0, 8));
            if (needs > readable) {
                closeQuietly(reader);
                throw new FormatTooNew("this store reads log format " + readable + ", and the snapshot it needs holds"
                        + " keys with a time to live (format " + needs + "): upgrade this store to follow this primary");
            }
            // after the snapshot, so the log this store receives holds a mark even if no write follows; without
            // one (declined, or failed) the snapshot still goes: a missing mark costs a restore's precision only
            try {
                node.appendTimeMark();
            } catch (RuntimeException e) {
                LOG.warnf("no time mark after the snapshot for %s: %s", follower, e.getMessage());
            }
            return reader;
        }, false).onComplete(opened -> {
            snapshotOpening = false;
            if (opened.failed()) {
                refuseAndClose(opened.cause() instanceof FormatTooNew tooNew ? tooNew.getMessage()
                        : "cannot read the snapshot: " + opened.cause().getMessage());
                return;
            }
            SnapshotReader reader = opened.result();
            if (closed) {
                closeQuietly(reader);
                return;
            }
            snapshot = reader;
            send(new Message.SnapshotBegin(reader.lastIncludedOffset(), reader.size()));
            nextOffset = reader.lastIncludedOffset() + 1;
            LOG.infof("secondary %s is behind the log (needs %d, log starts at %d): sending a %d-byte snapshot at %d",
                    follower, needed, node.log().startOffset(), reader.size(), reader.lastIncludedOffset());
            pump(false);
        });
    }

    /** Reads the next chunk on a worker and sends it from the event loop; one chunk in flight at a time. */
    private void sendNextSnapshotChunk() {
        if (chunkReading || socket.writeQueueFull()) {
            return;
        }
        SnapshotReader reader = snapshot;
        long position = snapshotSent;
        chunkReading = true;
        vertx.executeBlocking(() -> reader.read(position, chunkBytes()), false).onComplete(read -> {
            if (closed) {
                chunkReading = false;
                snapshot = null;
                closeQuietly(reader);
                return;
            }
            if (read.failed()) {
                chunkReading = false;
                refuseAndClose("cannot read the snapshot: " + read.cause().getMessage());
                return;
            }
            // the position moves before the write: a write can run the drain handler, and so pump(),
            // at once, which must neither read this chunk again nor send entries before the end marker
            snapshotSent += read.result().length;
            boolean last = snapshotSent >= reader.size();
            send(new Message.SnapshotChunk(read.result()));
            if (last) {
                send(new Message.SnapshotEnd());
                snapshot = null;
                closeQuietly(reader);
            }
            chunkReading = false;
            pump(false);
        });
    }

    private int chunkBytes() {
        return Math.min(SNAPSHOT_CHUNK_BYTES, node.settings().maxEntryBytes());
    }

    private static void closeQuietly(SnapshotReader reader) {
        try {
            reader.close();
        } catch (java.io.IOException e) {
            // read-only; nothing lost
        }
    }

    /**
     * The lowest log offset this session will still read, for the primary's compaction: while its
     * snapshot is being opened, the log after the snapshot on disk now (the one opened is no older).
     * From any thread.
     */
    long offsetNeeded() {
        if (closed || follower == null) {
            return Long.MAX_VALUE;
        }
        if (snapshotOpening) {
            return node.lastSnapshotOffset() + 1;
        }
        return nextOffset;
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
        try {
            pumpOrFail(heartbeat);
        } catch (RuntimeException e) {
            // e.g. the log was compacted past what this secondary needs while its snapshot travelled:
            // end the session; the secondary reconnects and is sent what it needs then
            if (!ending) {
                ending = true; // passes until the close lands would each say it again
                LOG.warnf("ending the stream to %s: %s", follower, e.getMessage());
                refuseAndClose("stream ended: " + e.getMessage());
            }
        }
    }

    private void pumpOrFail(boolean heartbeat) {
        if (closed || follower == null) {
            return;
        }
        if (!node.isActivePrimary() || node.termEpoch() != term) {
            refuseAndClose("this store is no longer the primary of epoch " + term);
            return;
        }
        if (snapshotOpening) {
            return;
        }
        if (snapshot != null) {
            sendNextSnapshotChunk();
            if (socket.writeQueueFull()) {
                socket.drainHandler(v -> pump(false));
            }
            return;
        }
        if (nextOffset < node.log().startOffset()) {
            throw new IllegalStateException("the log was compacted past offset " + nextOffset + " meanwhile");
        }
        boolean sent = false;
        while (!socket.writeQueueFull()) {
            // bounded in bytes too: the secondary refuses frames over twice the largest entry
            List<LogEntry> batch = node.log().read(nextOffset, MAX_ENTRIES_PER_FRAME, frameEntryBytes());
            if (batch.isEmpty()) {
                break;
            }
            LogEntry unreadable = firstBeyondFormat(batch);
            if (unreadable != null) {
                LOG.warnf("secondary %s reads log format %d; entry %s needs %d: it cannot follow until upgraded",
                        follower, followerFormat, unreadable, LogFormat.needed(unreadable.op()));
                refuseAndClose("this store reads log format " + followerFormat + ", and the log holds entry "
                        + unreadable + " of format " + LogFormat.needed(unreadable.op())
                        + " (a write of several keys): upgrade this store to follow this primary");
                return;
            }
            long commit = node.commitOffset();
            // moved on before the write, which may run pump() again through the drain handler
            sentCommit = commit;
            nextOffset = batch.get(batch.size() - 1).offset() + 1;
            sent = true;
            long sentNanos = applied.stamp();
            applied.sent(sentNanos, commit, nextOffset - 1);
            send(new Message.Entries(term, commit, node.log().lastOffset(), sentNanos, batch));
        }
        if (socket.writeQueueFull()) {
            socket.drainHandler(v -> pump(false));
            return;
        }
        long commit = node.commitOffset();
        if (!sent && (heartbeat || commit != sentCommit)) {
            sentCommit = commit;
            long sentNanos = applied.stamp();
            applied.sent(sentNanos, commit, nextOffset - 1);
            send(new Message.Heartbeat(term, commit, node.log().lastOffset(), sentNanos));
        }
    }

    /** The snapshot a secondary needs is of a newer format than it reads. */
    private static final class FormatTooNew extends Exception {
        FormatTooNew(String message) {
            super(message);
        }
    }

    /**
     * The entries' bytes one frame may carry: a store of the basic format (the previous release) refuses
     * a frame over twice its largest entry, which it bounds by its key and value limits alone.
     */
    private int frameEntryBytes() {
        return followerFormat > LogFormat.BASIC ? node.settings().maxEntryBytes()
                : node.settings().maxKeyBytes() + node.settings().maxValueBytes() + 1024;
    }

    private LogEntry firstBeyondFormat(List<LogEntry> entries) {
        for (LogEntry entry : entries) {
            if (LogFormat.needed(entry.op()) > followerFormat) {
                return entry;
            }
        }
        return null;
    }

    /** The secondary's name when it reads only formats below {@code format}; null otherwise or before its Hello. */
    String nameIfBelowFormat(int format) {
        String id = followerId;
        return id != null && !closed && followerFormat < format ? id + " (format " + followerFormat + ")" : null;
    }

    private void send(Message message) {
        socket.write(Buffer.buffer(Unpooled.wrappedBuffer(codec.encode(message))));
    }

    /**
     * Why this connection no longer stands, or null while it does: the cluster secret it proved was rotated away,
     * or a certificate either end showed at its handshake is of a CA no longer trusted (a CA rotation's last step).
     */
    String droppedCredential(java.util.function.Predicate<java.util.List<java.security.cert.Certificate>> stillTrusted) {
        String fingerprint = provedFingerprint;
        if (fingerprint == null || closed || closingForDroppedCredential) {
            return null;
        }
        if (!proof.stillHeld(fingerprint)) {
            return "the cluster secret it proved is no longer held (rotated away)";
        }
        if (!stillTrusted.test(peerChain) || !stillTrusted.test(localChain)) {
            return "a certificate of its handshake is of a CA rotated away (no longer trusted)";
        }
        return null;
    }

    String followerId() {
        return followerId;
    }

    /**
     * The secondary's name once it acknowledged a frame of this connection, while the connection stands; null
     * otherwise.
     */
    String acknowledgingStore() {
        return acknowledged && !closed && !closingForDroppedCredential ? followerId : null;
    }

    /** Which session this is: a later connection of the same store has a higher number. */
    long sessionNumber() {
        return sessionNumber;
    }

    /**
     * Closes this connection for what it was made with was rotated away ({@link #droppedCredential}). The store's
     * place among the secondaries that count towards {@code kv.min-sync-replicas} is kept for
     * {@value #PLACE_KEPT_MILLIS} ms: it connects again at once with the secret and certificate of now, and a
     * write meanwhile waits for it rather than being refused for want of secondaries (its new session takes the
     * place over with its first acknowledgement).
     */
    void closeForDroppedCredential(String why) {
        // set here, not on the event loop that closes it: the next call (a moment later) takes another connection
        closingForDroppedCredential = true;
        LOG.infof("closing replication to %s: %s", follower, why);
        keepPlace = true;
        refuseAndClose(why);
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
        if (termTracker != null) {
            CommitTracker tracker = termTracker;
            if (keepPlace) {
                // gone for good only if no newer session of the same store took the place over by then
                vertx.setTimer(PLACE_KEPT_MILLIS, t -> tracker.followerGone(followerId, sessionNumber));
            } else {
                tracker.followerGone(followerId, sessionNumber);
            }
        }
        SnapshotReader reader = snapshot;
        if (reader != null && !chunkReading) {
            snapshot = null;
            closeQuietly(reader);
        }
        onClose.accept(this);
    }
}
