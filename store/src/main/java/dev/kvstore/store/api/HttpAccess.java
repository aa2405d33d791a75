package dev.kvstore.store.api;

import dev.kvstore.store.StoreConfig;
import dev.kvstore.store.auth.Access;
import dev.kvstore.store.auth.BasicCredentials;
import dev.kvstore.store.auth.Users;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The HTTP port's door, where users are set: every request but health checks and, unless
 * {@code kv.open-status=false}, status needs {@code Authorization: Basic}; a wrong or missing one gets 401 with a challenge, and a
 * read-only user's write 403. Ahead of every other route.
 */
@ApplicationScoped
public class HttpAccess {

    static final String CHALLENGE = "Basic realm=\"kvstore\", charset=\"UTF-8\"";

    void register(@Observes Router router, Access access, StoreConfig config) {
        if (!access.required()) {
            return;
        }
        boolean openStatus = config.openStatus();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> check(ctx, access, openStatus));
    }

    private static void check(RoutingContext ctx, Access access, boolean openStatus) {
        String path = ctx.normalizedPath();
        if (open(path, openStatus)) {
            ctx.next();
            return;
        }
        BasicCredentials credentials = BasicCredentials.parse(ctx.request().getHeader("Authorization"));
        Users.User user = credentials == null ? null
                : access.authenticate(credentials.user(), credentials.password()).orElse(null);
        if (user == null) {
            ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", CHALLENGE);
            KvRoutes.json(ctx.response(), Responses.errorJson(credentials == null
                    ? "authentication required: send Authorization: Basic with a user and its password"
                    : "invalid username-password pair or user is disabled"));
            return;
        }
        if (writes(ctx.request().method()) && !user.permission().writes()) {
            ctx.response().setStatusCode(403);
            KvRoutes.json(ctx.response(), Responses.errorJson("user " + user.name()
                    + " may only read; nothing was stored"));
            return;
        }
        ctx.next();
    }

    private static boolean open(String path, boolean openStatus) {
        if (path.equals("/health") || path.startsWith("/health/")) {
            return true;
        }
        return openStatus && path.equals("/v1/status");
    }

    private static boolean writes(HttpMethod method) {
        return !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS);
    }
}
