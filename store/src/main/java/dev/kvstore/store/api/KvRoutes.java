package dev.kvstore.store.api;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.ReadResult;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.node.WriteResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client data path, {@code PUT/GET/DELETE /v1/kv/{key}}, as plain Vert.x routes: this is the hot
 * path, and a route costs a fraction of a JAX-RS resource's CPU per request. Writes go to the primary
 * and answer with the epoch and offset they were committed at; reads are served by any store and
 * say how far behind it is.
 */
@ApplicationScoped
public class KvRoutes {

    static final String PATH = "/v1/kv/:key";

    private StoreNode node;
    private Timer putLatency;
    private Timer deleteLatency;
    private Timer getLatency;
    private Counter acknowledged;
    private Counter refused;
    private Counter failed;

    void register(@Observes Router router, StoreNode node, MeterRegistry metrics) {
        this.node = node;
        // meters are looked up once: a registry lookup per request shows in the write path's profile
        putLatency = requestTimer(metrics, "put");
        deleteLatency = requestTimer(metrics, "delete");
        getLatency = requestTimer(metrics, "get");
        acknowledged = metrics.counter("kv_writes_total", "result", "acknowledged");
        refused = metrics.counter("kv_writes_total", "result", "refused");
        failed = metrics.counter("kv_writes_total", "result", "failed");
        int maxValue = node.settings().maxValueBytes();
        // a route of its own, before the body handler's (Vert.x allows no handler ahead of a body handler)
        router.put(PATH).handler(KvRoutes::bodyIsTheValue);
        router.put(PATH).handler(BodyHandler.create(false).setBodyLimit(maxValue)).handler(this::put)
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        json(ctx.response().setStatusCode(413), Responses.errorJson("value exceeds the limit of "
                                + maxValue + " bytes (kv.max-value-bytes); nothing was stored"));
                    } else {
                        ctx.next();
                    }
                });
        router.delete(PATH).handler(this::delete);
        router.get(PATH).handler(this::get);
    }

    /**
     * The body is the value, byte for byte, whatever the request says it is: {@code curl --data-binary}
     * labels it a form, and a form parser would refuse values over its field limit (8 KiB) with an error.
     */
    private static void bodyIsTheValue(RoutingContext ctx) {
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type != null && (type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)
                || type.regionMatches(true, 0, "multipart/", 0, 10))) {
            ctx.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
        }
        ctx.next();
    }

    private static Timer requestTimer(MeterRegistry metrics, String operation) {
        return Timer.builder("kv_requests").tag("op", operation).description("client requests and their latency")
                .register(metrics);
    }

    private void put(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        Buffer body = ctx.body().buffer();
        byte[] value = body == null ? new byte[0] : body.getBytes();
        if (validKey(ctx, key)) {
            write(ctx, LogEntry.put(0, 0, key, value), putLatency);
        }
    }

    private void delete(RoutingContext ctx) {
        String key = ctx.pathParam("key");
        if (validKey(ctx, key)) {
            write(ctx, LogEntry.delete(0, 0, key), deleteLatency);
        }
    }

    private void get(RoutingContext ctx) {
        long started = System.nanoTime();
        String key = ctx.pathParam("key");
        if (!validKey(ctx, key)) {
            return;
        }
        HttpServerResponse response = ctx.response();
        ReadResult read;
        try {
            read = node.read(key);
        } catch (RuntimeException e) {
            Responses.refusal(response, e, node.settings().writeTimeoutMillis());
            return;
        }
        response.putHeader("X-KV-Role", read.role()).putHeader("X-KV-Epoch", Long.toString(read.epoch()))
                .putHeader("X-KV-Offset", Long.toString(read.appliedOffset()))
                .putHeader("X-KV-Lag", Long.toString(read.lag()));
        if (read.value() == null) {
            json(response.setStatusCode(404), Responses.errorJson("no such key"));
        } else {
            response.putHeader("Content-Type", "application/octet-stream").end(Buffer.buffer(read.value()));
        }
        getLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private void write(RoutingContext ctx, LogEntry operation, Timer latency) {
        long started = System.nanoTime();
        HttpServerResponse response = ctx.response();
        CompletableFuture<WriteResult> pending;
        try {
            pending = node.write(operation);
        } catch (RuntimeException e) {
            refused.increment();
            Responses.refusal(response, e, node.settings().writeTimeoutMillis());
            return;
        }
        pending.whenComplete((result, failure) -> {
            if (failure != null) {
                failed.increment();
                Responses.refusal(response, failure, node.settings().writeTimeoutMillis());
                return;
            }
            acknowledged.increment();
            latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            json(response, "{\"epoch\":" + result.epoch() + ",\"offset\":" + result.offset() + "}");
        });
    }

    private boolean validKey(RoutingContext ctx, String key) {
        int bytes = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            json(ctx.response().setStatusCode(400), Responses.errorJson("the key must not be empty"));
            return false;
        }
        if (bytes > node.settings().maxKeyBytes()) {
            json(ctx.response().setStatusCode(414), Responses.errorJson("key of " + bytes
                    + " bytes exceeds the limit of " + node.settings().maxKeyBytes() + " bytes (kv.max-key-bytes)"));
            return false;
        }
        return true;
    }

    static void json(HttpServerResponse response, String body) {
        response.putHeader("Content-Type", "application/json").end(body);
    }
}
