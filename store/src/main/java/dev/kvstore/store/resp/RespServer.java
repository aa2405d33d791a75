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
    private final RespStats stats = new RespStats();
    private NetServer server;

    public RespServer(Vertx vertx, StoreNode node, RespSettings settings, WriteOutcomes outcomes) {
        this.vertx = vertx;
        this.node = node;
        this.settings = settings;
        this.outcomes = outcomes;
    }

    public void start() {
        server = vertx.createNetServer(new NetServerOptions().setHost(settings.host()).setPort(settings.port())
                .setTcpNoDelay(true).setReuseAddress(true).setAcceptBacklog(4096));
        RespLimits limits = RespLimits.of(node.settings().maxValueBytes(), settings.maxCommandBytes());
        CommandTable table = commandTable();
        server.connectHandler(socket -> {
            stats.connectionsReceived.incrementAndGet();
            if (stats.connected.incrementAndGet() > settings.maxClients()) {
                stats.connected.decrementAndGet();
                stats.connectionsRejected.incrementAndGet();
                socket.write(TOO_MANY);
                socket.close();
                return;
            }
            new RespConnection(socket, vertx.getOrCreateContext(), table, limits, stats,
                    node.settings().writeTimeoutMillis(), stats.connected::decrementAndGet).start();
        });
        server.listen().toCompletionStage().toCompletableFuture().join();
        LOG.infof("redis protocol listening on %s:%d (max %d clients)", settings.host(), server.actualPort(),
                settings.maxClients());
    }

    private CommandTable commandTable() {
        CommandTable table = new CommandTable();
        ConnectionCommands.register(table, node);
        StringCommands.register(table, node, outcomes);
        // the port actually bound (0 picks one) is known once listening, before any command runs
        ServerCommands.register(table, node, settings, this::port, stats, vertx);
        return table;
    }

    public int port() {
        return server.actualPort();
    }

    public RespStats stats() {
        return stats;
    }

    public void stop() {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
