package dev.kvstore.store.api;

import dev.kvstore.store.node.StoreNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Liveness: the process answers. Readiness: a primary whose term is confirmed, or a secondary streaming from it. */
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
            return HealthCheckResponse.named("store").up().withData("role", node.role().label()).build();
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
