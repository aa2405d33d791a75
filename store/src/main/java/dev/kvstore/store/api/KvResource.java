package dev.kvstore.store.api;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.ReadResult;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.node.WriteResult;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client API. Writes go to the primary and answer with the epoch and offset they were
 * committed at; reads are served by any store and say how far behind it is.
 */
@Path("/v1/kv/{key}")
public class KvResource {

    @Inject
    StoreNode node;

    @Inject
    MeterRegistry metrics;

    @PUT
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> put(@PathParam("key") String key, byte[] value) {
        byte[] body = value == null ? new byte[0] : value;
        Response invalid = validateKey(key);
        if (invalid == null && body.length > node.settings().maxValueBytes()) {
            invalid = Responses.error(413, "value of " + body.length + " bytes exceeds the limit of "
                    + node.settings().maxValueBytes() + " bytes (kv.max-value-bytes)");
        }
        if (invalid != null) {
            return CompletableFuture.completedFuture(invalid);
        }
        return write(LogEntry.put(0, 0, key, body));
    }

    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> delete(@PathParam("key") String key) {
        Response invalid = validateKey(key);
        if (invalid != null) {
            return CompletableFuture.completedFuture(invalid);
        }
        return write(LogEntry.delete(0, 0, key));
    }

    @GET
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    public Response get(@PathParam("key") String key) {
        Response invalid = validateKey(key);
        if (invalid != null) {
            return invalid;
        }
        ReadResult read;
        try {
            read = node.read(key);
        } catch (RuntimeException e) {
            return Responses.from(e, node.settings().writeTimeoutMillis());
        }
        Response.ResponseBuilder answer = read.value() == null
                ? Response.status(404).type(MediaType.APPLICATION_JSON).entity(new ErrorBody("no such key", null))
                : Response.ok(read.value(), MediaType.APPLICATION_OCTET_STREAM);
        return answer.header("X-KV-Role", read.role()).header("X-KV-Epoch", read.epoch())
                .header("X-KV-Offset", read.appliedOffset()).header("X-KV-Lag", read.lag()).build();
    }

    private CompletionStage<Response> write(LogEntry operation) {
        long started = System.nanoTime();
        CompletableFuture<WriteResult> pending;
        try {
            pending = node.write(operation);
        } catch (RuntimeException e) {
            metrics.counter("kv_writes_total", "result", "refused").increment();
            return CompletableFuture.completedFuture(Responses.from(e, node.settings().writeTimeoutMillis()));
        }
        return pending.handle((result, failure) -> {
            if (failure != null) {
                metrics.counter("kv_writes_total", "result", "failed").increment();
                return Responses.from(failure, node.settings().writeTimeoutMillis());
            }
            metrics.counter("kv_writes_total", "result", "acknowledged").increment();
            metrics.timer("kv_write_commit").record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            return Response.ok(result, MediaType.APPLICATION_JSON).build();
        });
    }

    private Response validateKey(String key) {
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0) {
            return Responses.error(400, "the key must not be empty");
        }
        if (bytes > node.settings().maxKeyBytes()) {
            return Responses.error(414, "key of " + bytes + " bytes exceeds the limit of "
                    + node.settings().maxKeyBytes() + " bytes (kv.max-key-bytes)");
        }
        return null;
    }
}
