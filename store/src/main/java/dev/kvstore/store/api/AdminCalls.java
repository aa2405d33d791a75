package dev.kvstore.store.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.core.admin.AdminAuth;
import dev.kvstore.core.admin.EpochRequest;
import dev.kvstore.core.admin.FollowRequest;
import dev.kvstore.core.admin.MaintenanceFenceRequest;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.store.node.StoreNode;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * Role changes, for the operator or the local supervisor only, apart from how they arrive: every call
 * is signed with the cluster secret ({@link AdminAuth}) over its method, path and body. Epochs in these
 * calls only ever raise the store's epoch. Blocking (a promotion persists the epoch): never on an event loop.
 */
final class AdminCalls {

    static final String PREFIX = "/v1/admin/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An HTTP status and the JSON to answer with. */
    record Reply(int status, String json) {
    }

    /** What a call did, for the store's metrics. */
    interface Counts {
        void refused();

        void promoted();
    }

    private final StoreNode node;
    private final java.util.function.Supplier<dev.kvstore.core.admin.ClusterSecrets> secrets;
    private final LongSupplier clock;
    private final Counts counts;

    /** @param secrets the cluster secrets held now (asked at each call: a rotation changes them) */
    AdminCalls(StoreNode node, java.util.function.Supplier<dev.kvstore.core.admin.ClusterSecrets> secrets,
               LongSupplier clock, Counts counts) {
        this.node = node;
        this.secrets = secrets;
        this.clock = clock;
        this.counts = counts;
    }

    /** The refusal of a call not signed with a cluster secret held now, or null when it is. */
    Reply unauthenticated(String method, String path, String signature, byte[] body) {
        byte[] bytes = body == null ? new byte[0] : body;
        if (new AdminAuth(secrets.get()).verify(signature, method, path, bytes, clock.getAsLong())) {
            return null;
        }
        counts.refused();
        return new Reply(401, Responses.errorJson("admin call not authenticated: sign it with the cluster secret ("
                + AdminAuth.HEADER + " header)"));
    }

    Reply handle(String method, String path, String signature, byte[] body) {
        byte[] bytes = body == null ? new byte[0] : body;
        Reply unsigned = unauthenticated(method, path, signature, bytes);
        if (unsigned != null) {
            return unsigned;
        }
        try {
            return switch (method + " " + path) {
                case "GET /v1/admin/status" -> ok(node.status());
                case "POST /v1/admin/fence" -> ok(node.fence(parse(bytes, EpochRequest.class).epoch()));
                case "POST /v1/admin/promote" -> {
                    EpochRequest request = parse(bytes, EpochRequest.class);
                    NodeStatus status = node.promote(request.epoch(), request.oldPrimaryGone());
                    counts.promoted();
                    yield ok(status);
                }
                // the epoch field carries milliseconds here: the primary refuses writes that long (0 resumes)
                case "POST /v1/admin/pause-writes" -> ok(node.pauseWrites(parse(bytes, EpochRequest.class).epoch()));
                case "POST /v1/admin/follow" -> {
                    FollowRequest request = parse(bytes, FollowRequest.class);
                    yield ok(node.follow(request.epoch(), request.primary(), request.primaryHttp()));
                }
                case "POST /v1/admin/maintenance-fence" ->
                        ok(node.maintenanceFence(parse(bytes, MaintenanceFenceRequest.class).fenced()));
                default -> new Reply(404, Responses.errorJson("no admin call " + method + " " + path));
            };
        } catch (RuntimeException e) {
            Responses.Refusal refusal = Responses.refusalOf(e, node.settings().writeTimeoutMillis());
            return new Reply(refusal.status(), Responses.errorJson(refusal.message(), refusal.primary()));
        }
    }

    /** A status, with the fingerprints of the secrets held: the operator rotates by them. */
    private Reply ok(NodeStatus status) {
        try {
            return new Reply(200, JSON.writeValueAsString(status.withSecretFingerprints(secrets.get().fingerprints())));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(byte[] body, Class<T> type) {
        try {
            return JSON.readValue(body, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + ": " + e.getMessage());
        }
    }
}
