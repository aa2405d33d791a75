package dev.kvstore.store.api;

import dev.kvstore.store.node.StoreNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Liveness: the process answers and its log can still make writes durable (a store whose fsync
 * failed cannot recover by itself; a restart reopens the log). Readiness: a primary whose term is
 * confirmed, or a secondary streaming from it, either with a working log.
 */
public final class StoreHealth {

    private StoreHealth() {
    }

    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        @Inject
        StoreNode node;

        @Override
        public HealthCheckResponse call() {
            String diskFailure = node.diskFailure();
            var response = HealthCheckResponse.named("store").status(diskFailure == null)
                    .withData("role", node.role().label());
            return (diskFailure == null ? response : response.withData("diskFailure", diskFailure)).build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @Inject
        StoreNode node;

        @Override
        public HealthCheckResponse call() {
            var status = node.status();
            return HealthCheckResponse.named("replication").status(node.ready())
                    .withData("role", status.role()).withData("epoch", status.epoch())
                    .withData("following", status.following()).build();
        }
    }
}
