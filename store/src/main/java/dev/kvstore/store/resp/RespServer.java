package dev.kvstore.store.resp;

import dev.kvstore.store.node.StoreNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.jboss.logging.Logger;

/**
 * The Redis-protocol port (RESP2 and RESP3) of a store, beside HTTP: the same node, the same write
 * path and limits, answered in Redis's words. A Vert.x TCP server; each connection runs on one event
 * loop ({@link RespConnection}).
 */
public final class RespServer {

    private static final Logger LOG = Logger.getLogger(RespServer.class);
    private static final Buffer TOO_MANY = Buffer.buffer("-ERR max number of clients reached\r\n");

    private final Vertx vertx;
    private final StoreNode node;
    private final RespSettings settings;
    private final WriteOutcomes outcomes;
    private final dev.kvstore.store.auth.Access access;
    /** With TLS, clients need no certificate of their own: they prove themselves with a password (AUTH). */
    private final dev.kvstore.store.tls.StoreTls tls;
    private final RespStats stats = new RespStats();
    private final java.util.List<NetServer> servers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RespServer(Vertx vertx, StoreNode node, RespSettings settings, WriteOutcomes outcomes,
                      dev.kvstore.store.auth.Access access, dev.kvstore.store.tls.StoreTls tls) {
        this.access = access;
        this.tls = tls;
        this.vertx = vertx;
        this.node = node;
        this.settings = settings;
        this.outcomes = outcomes;
    }

    /**
     * Listens with one server per event loop: Vert.x runs all of a server's connections on the event
     * loop of the context that made it, so a single server would put every client, and every reply's
     * socket write, on one core. Servers on the same port share it, and Vert.x deals the accepted
     * connections out among them (port 0 picks one port for all).
     */
    public void start() {
        RespLimits limits = RespLimits.of(node.settings().maxValueBytes(), settings.maxCommandBytes());
        CommandTable table = commandTable();
        int instances = Math.max(1, settings.eventLoops());
        // port 0 would bind each listener to a random port of its own; Vert.x shares one random port
        // among the servers that ask for the same negative port
        int requested = settings.port() == 0 ? -1 : settings.port();
        int port = listenOn(requested, table, limits);
        for (int i = 1; i < instances; i++) {
            int joined = listenOn(requested, table, limits);
            if (joined != port) {
                throw new IllegalStateException("RESP listener bound " + joined + ", not the shared port " + port);
            }
        }
        node.respPortIs(port);
        LOG.infof("redis protocol listening on %s:%d (max %d clients, %d event loops)", settings.host(), port,
                settings.maxClients(), instances);
    }

    /** Deploys one listener on its own event loop and answers the port it bound. */
    private int listenOn(int port, CommandTable table, RespLimits limits) {
        NetServer[] made = new NetServer[1];
        vertx.deployVerticle(new io.vertx.core.AbstractVerticle() {
            @Override
            public void start(io.vertx.core.Promise<Void> started) {
                NetServer listener = vertx.createNetServer(tls.applyToClientPort(new NetServerOptions().setHost(settings.host())
                        .setPort(port).setTcpNoDelay(true).setReuseAddress(true).setAcceptBacklog(4096)));
                listener.connectHandler(socket -> accept(socket, table, limits));
                made[0] = listener;
                listener.listen().<Void>mapEmpty().onComplete(started);
            }
        }).toCompletionStage().toCompletableFuture().join();
        servers.add(made[0]);
        return made[0].actualPort();
    }

    private void accept(io.vertx.core.net.NetSocket socket, CommandTable table, RespLimits limits) {
        stats.connectionsReceived.incrementAndGet();
        if (stats.connected.incrementAndGet() > settings.maxClients()) {
            stats.connected.decrementAndGet();
            stats.connectionsRejected.incrementAndGet();
            socket.write(TOO_MANY);
            socket.close();
            return;
        }
        new RespConnection(socket, vertx.getOrCreateContext(), table, limits, stats,
                node.settings().writeTimeoutMillis(),
                access, stats.connected::decrementAndGet).start();
    }

    private CommandTable commandTable() {
        CommandTable table = new CommandTable();
        ConnectionCommands.register(table, node, access);
        DecidedCommands decided = new DecidedCommands(node, outcomes);
        DataSteps steps = new DataSteps(node.settings().maxKeyBytes(), node.settings().maxValueBytes());
        StringCommands.register(table, node, outcomes, decided, steps);
        TransactionCommands.register(table, node, decided, steps);
        // the port actually bound (0 picks one) is known once listening, before any command runs
        ServerCommands.register(table, node, settings, this::port, stats, vertx);
        return table;
    }

    public int port() {
        return servers.get(0).actualPort();
    }

    public RespStats stats() {
        return stats;
    }

    public void stop() {
        for (NetServer server : servers) {
            server.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
