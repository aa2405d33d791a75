package dev.kvstore.store.api;

import dev.kvstore.store.StoreConfig;
import dev.kvstore.store.tls.HttpPortTls;
import dev.kvstore.store.tls.StoreTls;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Prometheus' scrape on a port of its own (9000), apart from the client ports, so that a NetworkPolicy
 * can open it to monitoring alone; with TLS on the HTTP port, TLS here too, with the store's renewable
 * certificate (the admin port's way: each handshake asks for the certificate of the moment). Quarkus'
 * management interface is not used for it: it takes TLS only from Quarkus' TLS registry, and stores
 * that ran it with TLS let the local supervisor's status calls time out (three failovers in every run
 * of TlsIT, none without). Its host and port settings keep their names, so that stores of an older
 * release, which serve metrics there, start from the same settings.
 */
@ApplicationScoped
public class MetricsEndpoint {

    private static final Logger LOG = Logger.getLogger(MetricsEndpoint.class);
    static final String PATH = "/metrics";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final int IDLE_SECONDS = 60;

    private HttpServer server;

    void start(@Observes StartupEvent event, Vertx vertx, StoreConfig config, StoreTls tls,
               PrometheusMeterRegistry registry,
               @ConfigProperty(name = "quarkus.management.host", defaultValue = "0.0.0.0") String host,
               @ConfigProperty(name = "quarkus.management.port", defaultValue = "9000") int port) throws Exception {
        boolean https = HttpPortTls.servesHttps(tls, config);
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setIdleTimeout(IDLE_SECONDS)
                .setHttp2ClearTextEnabled(false);
        server = vertx.createHttpServer(https ? tls.apply(options) : options)
                .requestHandler(request -> serve(vertx, registry, request));
        // at start, like the other ports: a store without its metrics port would go unwatched
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("metrics on %s://%s:%d%s", https ? "https" : "http", host, server.actualPort(), PATH);
    }

    private static void serve(Vertx vertx, PrometheusMeterRegistry registry, HttpServerRequest request) {
        boolean read = request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD;
        if (!read || !request.path().equals(PATH)) {
            request.response().setStatusCode(404).end();
            return;
        }
        // the scrape walks every meter: a worker's job, not an event loop's
        vertx.executeBlocking(() -> registry.scrape(), false).onComplete(done -> {
            if (done.failed()) {
                // the cause in the log, not to whoever may reach this port
                org.jboss.logging.Logger.getLogger(MetricsEndpoint.class).warn("metrics scrape failed", done.cause());
                request.response().setStatusCode(500).end("metrics scrape failed; see the store's log");
                return;
            }
            request.response().putHeader("Content-Type", CONTENT_TYPE)
                    .end(request.method() == HttpMethod.HEAD ? "" : done.result());
        });
    }

    /** Metrics are never on the client port: Quarkus' own route for them there answers 404. */
    void keepOffTheClientPort(@Observes Router router) {
        router.route(PATH).order(Integer.MIN_VALUE).handler(ctx -> ctx.response().setStatusCode(404)
                .end("metrics are on the metrics port (9000)\n"));
    }

    /** The port it listens on (the one chosen when configured as 0). */
    public int port() {
        return server.actualPort();
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }
}
