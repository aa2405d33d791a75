package dev.kvstore.store.resp;

import dev.kvstore.store.node.NodeExceptions;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The store's refusals in the words Redis uses for them, which clients act on: READONLY sends a
 * Sentinel-aware client to the new primary, TRYAGAIN and NOREPLICAS are retried, OOM and MISCONF are
 * not. The same refusals as HTTP's status codes, one meaning for each.
 */
final class RespErrors {

    static final String READONLY = "READONLY You can't write against a read only replica.";

    private RespErrors() {
    }

    static String of(Throwable failure, long writeTimeoutMillis) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof NodeExceptions.NotPrimary notPrimary) {
            return notPrimary.primaryHttp() == null ? "TRYAGAIN " + notPrimary.getMessage() + "; no primary is known yet"
                    : READONLY;
        }
        if (cause instanceof NodeExceptions.Fenced || cause instanceof NodeExceptions.Unavailable) {
            return "TRYAGAIN " + cause.getMessage();
        }
        if (cause instanceof NodeExceptions.NoReplicas) {
            return "NOREPLICAS " + cause.getMessage();
        }
        if (cause instanceof NodeExceptions.NotDurable) {
            return "MISCONF " + cause.getMessage();
        }
        if (cause instanceof NodeExceptions.MemoryFull || cause instanceof NodeExceptions.DiskFull) {
            return cause.getMessage(); // already starts with OOM or MISCONF, as Redis's do
        }
        if (cause instanceof TimeoutException) {
            return "TIMEOUT the write may or may not have been applied: not acknowledged by enough secondaries within "
                    + writeTimeoutMillis + " ms";
        }
        if (cause instanceof IllegalArgumentException) {
            return "ERR " + cause.getMessage();
        }
        return "ERR " + cause;
    }
}
