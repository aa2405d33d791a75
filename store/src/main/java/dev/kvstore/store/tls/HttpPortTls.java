package dev.kvstore.store.tls;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * TLS on the HTTP client port (8080) with the same material, and the same renewal without a restart,
 * as the store's other ports: Quarkus' server takes the key and trust managers of {@link StoreTls},
 * which are asked at every handshake. The port stays the same and serves TLS alone (a request in clear
 * gets no HTTP answer). Quarkus' own TLS registry is not used: its reload rebuilds the server's SSL
 * context through Vert.x's updateSSLOptions, which {@link StoreTls} avoids for a reason it gives.
 */
@ApplicationScoped
public class HttpPortTls implements HttpServerOptionsCustomizer {

    @Inject
    StoreTls tls;

    @Inject
    dev.kvstore.store.StoreConfig config;

    /** Whether the HTTP port serves TLS: with TLS on, unless {@code kv.http-tls} is false. */
    public static boolean servesHttps(StoreTls tls, dev.kvstore.store.StoreConfig config) {
        return tls.enabled() && config.httpTls();
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        if (servesHttps(tls, config)) {
            tls.applyToClientPort(options);
        }
    }
}
