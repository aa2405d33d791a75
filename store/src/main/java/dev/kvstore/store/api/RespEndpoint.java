package dev.kvstore.store.api;

import dev.kvstore.store.StoreConfig;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.resp.RespServer;
import dev.kvstore.store.resp.RespSettings;
import dev.kvstore.store.resp.RespStats;
import dev.kvstore.store.resp.WriteOutcomes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Starts the store's Redis-protocol port with the node, and gives it the store's metrics. */
@ApplicationScoped
public class RespEndpoint {

    /** The most bulk bytes one command may carry: room for the largest entry, and for long MGETs. */
    private static final long MIN_COMMAND_BYTES = 8L * 1024 * 1024;

    private RespServer server;

    void start(@Observes StartupEvent event, StoreNode node, Vertx vertx, StoreConfig config, MeterRegistry metrics,
               dev.kvstore.store.auth.Access access, dev.kvstore.store.tls.StoreTls tls) {
        long maxCommandBytes = Math.max(MIN_COMMAND_BYTES, node.settings().maxEntryBytes());
        server = new RespServer(vertx, node, new RespSettings(config.respHost(), config.respPort(), config.maxClients(),
                maxCommandBytes, config.respEventLoops()), writeOutcomes(metrics), access, tls);
        server.start();
        RespStats stats = server.stats();
        Gauge.builder("kv_resp_clients", stats, RespStats::connected).description("connections on the RESP port")
                .register(metrics);
        FunctionCounter.builder("kv_resp_commands", stats, RespStats::commands)
                .description("commands run on the RESP port").register(metrics);
        FunctionCounter.builder("kv_resp_socket_writes", stats, RespStats::socketWrites)
                .description("writes to RESP client sockets; kv_resp_commands divided by this: replies per write")
                .register(metrics);
        FunctionCounter.builder("kv_resp_rejected_connections", stats, RespStats::connectionsRejected)
                .description("connections refused past kv.max-clients").register(metrics);
        FunctionCounter.builder("kv_resp_protocol_errors", stats, RespStats::protocolErrors)
                .description("connections closed for malformed input").register(metrics);
    }

    /** The same counters as the HTTP path's: one meaning of every outcome, whichever protocol. */
    static WriteOutcomes writeOutcomes(MeterRegistry metrics) {
        Counter acknowledged = metrics.counter("kv_writes_total", "result", "acknowledged");
        Counter refused = metrics.counter("kv_writes_total", "result", "refused");
        Counter failed = metrics.counter("kv_writes_total", "result", "failed");
        return new WriteOutcomes() {
            public void acknowledged() {
                acknowledged.increment();
            }

            public void refused() {
                refused.increment();
            }

            public void failed() {
                failed.increment();
            }
        };
    }

    public int port() {
        return server.port();
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.stop();
        }
    }
}
