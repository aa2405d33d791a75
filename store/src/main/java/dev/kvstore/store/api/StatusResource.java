package dev.kvstore.store.api;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.store.node.StoreNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Public status: role, epoch, offsets, primary, lag, fingerprints of the cluster secrets held. Holds nothing secret. */
@Path("/v1/status")
public class StatusResource {

    @Inject
    StoreNode node;

    @Inject
    dev.kvstore.store.auth.ClusterSecretFile secrets;

    @GET
    @io.smallrye.common.annotation.NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    public NodeStatus status() {
        return node.status().withSecretFingerprints(secrets.get().fingerprints());
    }
}
