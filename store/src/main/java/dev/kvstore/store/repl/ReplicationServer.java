package dev.kvstore.store.repl;

import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.http.ClientAuth;
import dev.kvstore.store.tls.StoreTls;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The primary's side of replication: a Vert.x TCP server that every store runs, so that whichever
 * store is promoted can serve its secondaries. A store that is not the active primary refuses the
 * handshake.
 */
public final class ReplicationServer implements StoreNode.Fanout {

    private static final Logger LOG = Logger.getLogger(ReplicationServer.class);

    private final Vertx vertx;
    private final StoreNode node;
    private final HandshakeProof proof;
    private final Set<PrimarySession> sessions = ConcurrentHashMap.newKeySet();
    private NetServer server;
    private final CredentialClosePacing closePacing = new CredentialClosePacing();

    private final StoreTls tls;

    public ReplicationServer(Vertx vertx, StoreNode node, String secret, StoreTls tls) {
        this(vertx, node, new HandshakeProof(secret), tls);
    }

    /** @param proof asks the cluster secrets held at each handshake (a rotation changes them) */
    public ReplicationServer(Vertx vertx, StoreNode node, HandshakeProof proof, StoreTls tls) {
        this.tls = tls;
        this.vertx = vertx;
        this.node = node;
        this.proof = proof;
    }

    /**
     * Closes one connection made with a cluster secret no longer held, or with a certificate of a CA no longer
     * trusted (a rotation's last step: a secret or CA taken away grants nothing, not even a connection made with
     * it); each secondary connects again with the secret and certificate of now. Called every few seconds, it
     * takes them one at a time, and the next only once the store closed before is back ({@link
     * CredentialClosePacing}); first one whose store the other secondaries can spare (no write waits at all),
     * else any: that store keeps its place towards {@code kv.min-sync-replicas} while it reconnects, so writes
     * wait a moment, none is refused.
     */
    public void closeOneMadeWithDroppedCredential() {
        if (!closePacing.mayCloseNext(acknowledgingStores(), System.nanoTime())) {
            return;
        }
        PrimarySession any = null;
        String anyWhy = null;
        for (PrimarySession session : sessions) {
            String why = session.droppedCredential(tls::stillTrusts);
            if (why != null) {
                if (node.replicaDispensable(session.followerId())) {
                    close(session, why);
                    return;
                }
                any = session;
                anyWhy = why;
            }
        }
        if (any != null) {
            close(any, anyWhy);
        }
    }

    /**
     * The stores whose connection stands and has acknowledged a frame of its own, each with its newest such
     * session's number (a half-open older one of the same store is not it coming back).
     */
    java.util.Map<String, Long> acknowledgingStores() {
        java.util.Map<String, Long> acknowledging = new java.util.HashMap<>();
        for (PrimarySession session : sessions) {
            String store = session.acknowledgingStore();
            if (store != null) {
                acknowledging.merge(store, session.sessionNumber(), Math::max);
            }
        }
        return acknowledging;
    }

    private void close(PrimarySession session, String why) {
        closePacing.closed(session.followerId(), session.sessionNumber(), System.nanoTime());
        session.closeForDroppedCredential(why);
    }

    public void start(String host, int port) {
        // with TLS, mutual: only a store with a certificate of this cluster's CA gets to the handshake
        // (which then proves the cluster secret as before)
        server = vertx.createNetServer(tls.apply(new NetServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
                .setReuseAddress(true)).setClientAuth(ClientAuth.REQUIRED));
        server.connectHandler(socket -> {
            PrimarySession session = new PrimarySession(vertx, socket, node, proof, sessions::remove);
            sessions.add(session);
            session.start();
        });
        server.listen().toCompletionStage().toCompletableFuture().join();
        LOG.infof("replication listening on %s:%d", host, server.actualPort());
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void entriesAppended() {
        for (PrimarySession session : sessions) {
            session.wake();
        }
    }

    @Override
    public long lowestOffsetNeeded() {
        long lowest = Long.MAX_VALUE;
        for (PrimarySession session : sessions) {
            lowest = Math.min(lowest, session.offsetNeeded());
        }
        return lowest;
    }

    @Override
    public String storeBelowFormat(int format) {
        for (PrimarySession session : sessions) {
            String name = session.nameIfBelowFormat(format);
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    @Override
    public java.util.List<StoreNode.SecondaryView> secondaries() {
        java.util.List<StoreNode.SecondaryView> views = new java.util.ArrayList<>();
        for (PrimarySession session : sessions) {
            StoreNode.SecondaryView view = session.view();
            if (view != null) {
                views.add(view);
            }
        }
        views.sort(java.util.Comparator.comparing(StoreNode.SecondaryView::nodeId));
        return views;
    }

    @Override
    public void closeAll(String reason) {
        for (PrimarySession session : sessions) {
            session.refuseAndClose(reason);
        }
    }

    public void stop() {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
