package dev.kvstore.store.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.core.admin.AdminAuth;
import dev.kvstore.core.admin.EpochRequest;
import dev.kvstore.core.admin.FollowRequest;
import dev.kvstore.store.node.StoreNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Role changes, for the operator or the local supervisor only: every call is signed with the
 * cluster secret ({@link AdminAuth}). Epochs in these calls only ever raise the store's epoch.
 */
@Path("/v1/admin")
@Blocking
public class AdminResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    StoreNode node;

    @Inject
    MeterRegistry metrics;

    private AdminAuth auth() {
        return new AdminAuth(node.settings().secret());
    }

    @GET
    @Path("status")
    @Produces(MediaType.APPLICATION_JSON)
    public Response status(@HeaderParam(AdminAuth.HEADER) String signature) {
        return authorized(signature, "GET", "/v1/admin/status", new byte[0], () -> Response.ok(node.status()).build());
    }

    @POST
    @Path("fence")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response fence(@HeaderParam(AdminAuth.HEADER) String signature, byte[] body) {
        return authorized(signature, "POST", "/v1/admin/fence", body, () -> {
            EpochRequest request = parse(body, EpochRequest.class);
            return Response.ok(node.fence(request.epoch())).build();
        });
    }

    @POST
    @Path("promote")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response promote(@HeaderParam(AdminAuth.HEADER) String signature, byte[] body) {
        return authorized(signature, "POST", "/v1/admin/promote", body, () -> {
            EpochRequest request = parse(body, EpochRequest.class);
            var status = node.promote(request.epoch(), request.oldPrimaryGone());
            metrics.counter("kv_promotions_total").increment();
            return Response.ok(status).build();
        });
    }

    /** Body: {"epoch": millis}: the primary refuses writes for that long (0 resumes); replication goes on. */
    @POST
    @Path("pause-writes")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response pauseWrites(@HeaderParam(AdminAuth.HEADER) String signature, byte[] body) {
        return authorized(signature, "POST", "/v1/admin/pause-writes", body, () -> {
            EpochRequest request = parse(body, EpochRequest.class);
            return Response.ok(node.pauseWrites(request.epoch())).build();
        });
    }

    @POST
    @Path("follow")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response follow(@HeaderParam(AdminAuth.HEADER) String signature, byte[] body) {
        return authorized(signature, "POST", "/v1/admin/follow", body, () -> {
            FollowRequest request = parse(body, FollowRequest.class);
            return Response.ok(node.follow(request.epoch(), request.primary(), request.primaryHttp())).build();
        });
    }

    private Response authorized(String signature, String method, String path, byte[] body, Supplier<Response> action) {
        byte[] bytes = body == null ? new byte[0] : body;
        if (!auth().verify(signature, method, path, bytes, System.currentTimeMillis())) {
            metrics.counter("kv_admin_refused_total").increment();
            return Responses.error(401, "admin call not authenticated: sign it with the cluster secret ("
                    + AdminAuth.HEADER + " header)");
        }
        try {
            return action.get();
        } catch (RuntimeException e) {
            return Responses.from(e, node.settings().writeTimeoutMillis());
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
