package dev.kvstore.store.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.store.node.NodeExceptions;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** Maps the store's refusals to HTTP answers, one status per kind of refusal, for every HTTP port alike. */
final class Responses {

    /** Misdirected: a write reached a secondary; the body and X-KV-Primary name the primary. */
    static final int MISDIRECTED = 421;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {
    }

    /** A status, a message and (for misdirected writes) the primary's address. */
    record Refusal(int status, String message, String primary) {
    }

    static Refusal refusalOf(Throwable failure, long writeTimeoutMillis) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof NodeExceptions.NotPrimary notPrimary) {
            if (notPrimary.primaryHttp() == null) {
                return new Refusal(503, notPrimary.getMessage() + "; no primary is known yet", null);
            }
            return new Refusal(MISDIRECTED, notPrimary.getMessage(), notPrimary.primaryHttp());
        }
        if (cause instanceof NodeExceptions.Fenced || cause instanceof NodeExceptions.Unavailable
                || cause instanceof NodeExceptions.NotDurable || cause instanceof NodeExceptions.NoReplicas) {
            return new Refusal(503, cause.getMessage(), null);
        }
        if (cause instanceof NodeExceptions.MemoryFull || cause instanceof NodeExceptions.DiskFull) {
            return new Refusal(507, cause.getMessage(), null);
        }
        if (cause instanceof NodeExceptions.StaleEpoch || cause instanceof NodeExceptions.WrongRole) {
            return new Refusal(409, cause.getMessage(), null);
        }
        if (cause instanceof TimeoutException) {
            return new Refusal(504, "not acknowledged by enough secondaries within " + writeTimeoutMillis
                    + " ms; the write may or may not survive", null);
        }
        if (cause instanceof IllegalArgumentException) {
            return new Refusal(400, cause.getMessage(), null);
        }
        return new Refusal(500, String.valueOf(cause), null);
    }

    static String errorJson(String message) {
        return errorJson(message, null);
    }

    static String errorJson(String message, String primary) {
        try {
            return JSON.writeValueAsString(new ErrorBody(message, primary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For the Vert.x routes. */
    static void refusal(HttpServerResponse response, Throwable failure, long writeTimeoutMillis) {
        Refusal refusal = refusalOf(failure, writeTimeoutMillis);
        if (refusal.primary() != null) {
            response.putHeader("X-KV-Primary", refusal.primary());
        }
        KvRoutes.json(response.setStatusCode(refusal.status()), errorJson(refusal.message(), refusal.primary()));
    }
}
