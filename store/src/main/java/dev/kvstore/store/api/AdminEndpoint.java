package dev.kvstore.store.api;

import dev.kvstore.core.admin.AdminAuth;
import dev.kvstore.store.StoreConfig;
import dev.kvstore.store.node.StoreNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ClientAuth;
import dev.kvstore.store.tls.StoreTls;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;

/**
 * The admin API on a port of its own ({@code kv.admin-port}, 7401), apart from the client ports, so
 * that a NetworkPolicy can let only the operator and the cluster's own pods reach it. The calls block
 * (a promotion persists the epoch): they run on a worker, never on the event loop.
 */
@ApplicationScoped
public class AdminEndpoint {

    /** Admin bodies are a few numbers and an address. */
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int IDLE_SECONDS = 60;
    private static final AdminCalls.Reply TOO_LARGE = new AdminCalls.Reply(413,
            Responses.errorJson("admin call body over " + MAX_BODY_BYTES + " bytes"));

    private HttpServer server;

    void start(@Observes StartupEvent event, StoreNode node, Vertx vertx, StoreConfig config, MeterRegistry metrics,
               StoreTls tls, dev.kvstore.store.auth.ClusterSecretFile secrets) throws Exception {
        Counter refused = metrics.counter("kv_admin_refused_total");
        Counter promotions = metrics.counter("kv_promotions_total");
        AdminCalls calls = new AdminCalls(node, secrets, System::currentTimeMillis, new AdminCalls.Counts() {
            public void refused() {
                refused.increment();
            }

            public void promoted() {
                promotions.increment();
            }
        });
        // HTTP/1.1 only (no h2c upgrade: the callers speak 1.1); an idle connection is closed: the port's few
        // callers open one per call, or keep one alive while busy
        // with TLS, only the operator's certificate gets through (beside the signature every call carries)
        BackupResponse backups = new BackupResponse(vertx, node);
        AdminCaller caller = tls.enabled() ? AdminCaller.named(config.tlsAdminClient(), tls::stillTrusts) : AdminCaller.anyone();
        server = vertx.createHttpServer(tls.apply(new HttpServerOptions().setHost(config.adminHost())
                        .setPort(config.adminPort()).setIdleTimeout(IDLE_SECONDS).setHttp2ClearTextEnabled(false))
                        .setClientAuth(ClientAuth.REQUIRED))
                .requestHandler(request -> {
                    String refusal = caller.refusal(request.connection());
                    if (refusal != null) {
                        refused.increment();
                        request.response().putHeader("Connection", "close");
                        answer(request, new AdminCalls.Reply(403, Responses.errorJson(refusal)))
                                .onComplete(done -> request.connection().close());
                        return;
                    }
                    serve(vertx, node, calls, backups, request);
                });
        // at start, like the other ports: a store that cannot open its admin port cannot be supervised
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static void serve(Vertx vertx, StoreNode node, AdminCalls calls, BackupResponse backups,
                              HttpServerRequest request) {
        String signature = request.getHeader(AdminAuth.HEADER);
        String method = request.method().name();
        String path = request.path();
        String declared = request.getHeader("Content-Length");
        if (declared != null && !(declared.matches("[0-9]{1,9}") && Integer.parseInt(declared) <= MAX_BODY_BYTES)) {
            // answered at once; what follows of the body is read and dropped, never held
            request.handler(chunk -> { });
            answer(request, TOO_LARGE);
            return;
        }
        // counted as it arrives, not buffered whole first: a chunked body has no length to check up front
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        request.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > MAX_BODY_BYTES) {
                refused[0] = true;
                tooLarge(request);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(failure -> request.connection().close());
        request.endHandler(end -> {
            if (refused[0]) {
                return;
            }
            if ("GET".equals(method) && BackupResponse.PATH.equals(path)) {
                // answered as a stream, not as one JSON reply: a backup is the whole data set
                // the signature checked on a worker, as for every other call (the secret may be read from its file)
                vertx.executeBlocking(() -> java.util.Optional.ofNullable(
                                calls.unauthenticated(method, path, signature, body.getBytes())), false)
                        .onComplete(checked -> {
                            if (checked.failed()) {
                                answer(request, new AdminCalls.Reply(500, Responses.errorJson(String.valueOf(checked.cause()))));
                            } else if (checked.result().isPresent()) {
                                answer(request, checked.result().get());
                            } else {
                                backups.send(request);
                            }
                        });
                return;
            }
            if ("POST".equals(method) && LogResponse.PATH.equals(path)) {
                // answered in the log's binary form, not as JSON; read from the log (disk): on a worker
                vertx.executeBlocking(() -> {
                    AdminCalls.Reply unsigned = calls.unauthenticated(method, path, signature, body.getBytes());
                    return unsigned != null ? new LogResponse.Answer(unsigned.status(),
                            java.util.Map.of("Content-Type", "application/json"), Buffer.buffer(unsigned.json()))
                            : LogResponse.answer(node, body.getBytes());
                }, false).onComplete(done -> {
                    if (done.failed()) {
                        answer(request, new AdminCalls.Reply(500, Responses.errorJson(String.valueOf(done.cause()))));
                        return;
                    }
                    request.response().setStatusCode(done.result().status()).headers().addAll(done.result().headers());
                    request.response().end(done.result().body());
                });
                return;
            }
            vertx.executeBlocking(() -> calls.handle(method, path, signature, body.getBytes()), false)
                    .onComplete(done -> answer(request, done.succeeded() ? done.result()
                            : new AdminCalls.Reply(500, Responses.errorJson(String.valueOf(done.cause())))));
        });
    }

    /** A chunked body past the limit: answered, and the connection closed, so the rest is not read. */
    private static void tooLarge(HttpServerRequest request) {
        request.response().putHeader("Connection", "close");
        answer(request, TOO_LARGE).onComplete(done -> request.connection().close());
    }

    private static io.vertx.core.Future<Void> answer(HttpServerRequest request, AdminCalls.Reply reply) {
        return request.response().setStatusCode(reply.status()).putHeader("Content-Type", "application/json")
                .end(reply.json());
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
