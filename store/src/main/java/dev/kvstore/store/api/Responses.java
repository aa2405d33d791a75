package dev.kvstore.store.api;

import dev.kvstore.store.node.NodeExceptions;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/** Maps the store's refusals to HTTP answers, one status per kind of refusal. */
final class Responses {

    /** Misdirected: a write reached a secondary; the body and X-KV-Primary name the primary. */
    static final int MISDIRECTED = 421;

    private Responses() {
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(message, null)).build();
    }

    static Response from(Throwable failure, long writeTimeoutMillis) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof NodeExceptions.NotPrimary notPrimary) {
            if (notPrimary.primaryHttp() == null) {
                return error(503, notPrimary.getMessage() + "; no primary is known yet");
            }
            return Response.status(MISDIRECTED).type(MediaType.APPLICATION_JSON)
                    .header("X-KV-Primary", notPrimary.primaryHttp())
                    .entity(new ErrorBody(notPrimary.getMessage(), notPrimary.primaryHttp())).build();
        }
        if (cause instanceof NodeExceptions.Fenced || cause instanceof NodeExceptions.Unavailable) {
            return error(503, cause.getMessage());
        }
        if (cause instanceof NodeExceptions.StaleEpoch) {
            return error(409, cause.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return error(504, "not acknowledged by enough secondaries within " + writeTimeoutMillis
                    + " ms; the write may or may not survive");
        }
        if (cause instanceof IllegalArgumentException) {
            return error(400, cause.getMessage());
        }
        return error(500, String.valueOf(cause));
    }
}
