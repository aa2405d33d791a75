package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.util.Objects;

/**
 * Writes a KVCluster's status for one reconcile pass. Every write is conditional on a resource
 * version (optimistic locking) and its result goes into JOSDK's overlay cache, so the next pass starts
 * from what this pass wrote, not from an informer cache that has not caught up yet. The status
 * carries the epoch, an allocated value: a pass that started from an older copy must never hand out
 * an epoch again or act on a primary that was already replaced.
 */
final class StatusWriter {

    /** The stored term moved on since this pass read it: the pass must stop and start over. */
    static final class TermMovedOn extends IllegalStateException {
        TermMovedOn(String message) {
            super(message);
        }
    }

    private final Context<KVCluster> context;

    StatusWriter(Context<KVCluster> context) {
        this.context = context;
    }

    /**
     * Records a new epoch before any store hears of it (if the operator dies right after, the next
     * one starts above it). A conflict is retried on the newer version only while that version still
     * holds the term this pass acted on; otherwise {@link TermMovedOn}.
     */
    void recordEpoch(KVCluster cluster, long epoch) {
        long believedEpoch = PrimaryKeeper.epochOf(cluster.getStatus());
        String believedPrimary = cluster.getStatus().getPrimary();
        KVCluster updated = PrimaryUpdateAndCacheUtils.updateAndCacheResource(cluster, context, current -> {
            KVClusterStatus stored = current.getStatus() == null ? new KVClusterStatus() : current.getStatus();
            if (current != cluster && (PrimaryKeeper.epochOf(stored) != believedEpoch
                    || !Objects.equals(stored.getPrimary(), believedPrimary))) {
                throw new TermMovedOn("the stored term is epoch " + stored.getEpoch() + " with primary "
                        + stored.getPrimary() + ", not epoch " + believedEpoch + " with " + believedPrimary
                        + " as this pass saw it");
            }
            return current;
        }, current -> context.getClient().resources(KVCluster.class).inNamespace(current.getMetadata().getNamespace())
                .withName(current.getMetadata().getName()).subresource("status")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"resourceVersion\":\""
                        + current.getMetadata().getResourceVersion() + "\"},\"status\":{\"epoch\":" + epoch + "}}"));
        cluster.getStatus().setEpoch(epoch);
        // the final status write of this pass builds on this version
        cluster.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
    }

    /**
     * Writes the status this pass observed. On a conflict it is written over the newer version: the
     * spec or metadata may have changed meanwhile, the status is this pass's, the latest observation.
     */
    void write(KVCluster cluster) {
        KVClusterStatus observed = cluster.getStatus();
        try {
            PrimaryUpdateAndCacheUtils.updateAndCacheResource(cluster, context, current -> {
                current.setStatus(observed);
                return current;
            }, current -> context.getClient().resource(current).patchStatus());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            // the KVCluster was deleted during the pass: nothing left to describe
        }
    }
}
