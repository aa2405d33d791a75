package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The I/O of {@link VolumeResize}: reads the cluster's volume claims and their StorageClasses, asks the claims for the
 * new size, deletes the StatefulSet with its pods left running when its claim template is another size, and says
 * how far the volumes are in condition {@value VolumeResize#CONDITION} (Events for what it did and, once a problem,
 * for what it cannot do).
 */
final class VolumeResizeKeeper {

    private static final Logger LOG = Logger.getLogger(VolumeResizeKeeper.class);
    /** What no change of the volumes asks of the pass. */
    static final VolumeResize.Plan NOTHING = new VolumeResize.Plan(List.of(), false, false, true, "AsSpecified", "");

    private final KubernetesClient client;

    VolumeResizeKeeper(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Before the StatefulSet is applied. Answers whether to hold it back this pass (it is on its way out, to be made
     * anew with the new claim template).
     */
    VolumeResize.Plan keep(KVCluster cluster, StatefulSet running) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        String wanted = cluster.getSpec().getStorage().getSize();
        long wantedBytes = bytes(wanted);
        Long templateBytes = running == null ? null : templateBytes(running);
        boolean deleting = running != null && running.getMetadata().getDeletionTimestamp() != null;
        Condition before = KVClusterReconciler.condition(cluster, VolumeResize.CONDITION);
        boolean settled = before != null && "True".equals(before.getStatus())
                && java.util.Objects.equals(before.getObservedGeneration(), cluster.getMetadata().getGeneration());
        if (running == null || (!deleting && templateBytes != null && templateBytes == wantedBytes && settled)) {
            // the claims come from a template of this size and were all found sized for this spec: nothing to read.
            // (No StatefulSet yet: the claims it makes will have the size.)
            return NOTHING;
        }
        List<VolumeResize.Claim> claims;
        try {
            claims = claims(namespace, name);
        } catch (KubernetesClientException e) {
            KVClusterReconciler.setCondition(cluster, VolumeResize.CONDITION, false, "Unknown",
                    "the volume claims could not be read: " + e.getMessage());
            return NOTHING;
        }
        Map<String, VolumeResize.Expansion> classes = new HashMap<>();
        VolumeResize.Plan plan = VolumeResize.plan(wantedBytes, wanted, templateBytes, deleting, claims,
                storageClass -> classes.computeIfAbsent(String.valueOf(storageClass), c -> expansion(storageClass)));
        List<String> refused = new ArrayList<>();
        for (String claim : plan.grow()) {
            try {
                client.persistentVolumeClaims().inNamespace(namespace).withName(claim)
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + wanted + "\"}}}}");
                String said = "asked volume claim " + claim + " to grow to " + wanted;
                LOG.infof("%s/%s: %s", namespace, name, said);
                Events.record(client, cluster, "volume-" + claim + "-", "Normal", "VolumeExpansion", said,
                        Instant.now().toString());
            } catch (KubernetesClientException e) {
                refused.add(claim + ": " + (e.getStatus() != null && e.getStatus().getMessage() != null
                        ? e.getStatus().getMessage() : e.getMessage()));
            }
        }
        if (plan.recreateStatefulSet()) {
            recreate(cluster, wanted, wantedBytes);
        }
        String reason = refused.isEmpty() ? plan.reason() : "ExpansionRefused";
        String message = refused.isEmpty() ? plan.message()
                : "the API server refused to grow " + String.join("; ", refused) + "; " + plan.message();
        boolean newProblem = !plan.sized() && !"Expanding".equals(reason)
                && (before == null || !reason.equals(before.getReason()));
        if (newProblem) {
            LOG.warnf("%s/%s: %s", namespace, name, message);
            Events.record(client, cluster, "", "Warning", reason, message, Instant.now().toString());
        }
        KVClusterReconciler.setCondition(cluster, VolumeResize.CONDITION, plan.sized() && refused.isEmpty(), reason,
                message);
        return plan;
    }

    /**
     * Deletes the StatefulSet and leaves its pods running, once more read now: the informer's copy may be older than
     * one already made anew. The next pass makes it with the new template (the StatefulSet controller adopts the
     * orphaned pods; their revision is unchanged, so none restarts).
     */
    private void recreate(KVCluster cluster, String wanted, long wantedBytes) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        try {
            StatefulSet live = client.apps().statefulSets().inNamespace(namespace).withName(name).get();
            if (live == null || live.getMetadata().getDeletionTimestamp() != null || templateBytes(live) == null
                    || templateBytes(live) == wantedBytes) {
                return;
            }
            client.apps().statefulSets().inNamespace(namespace).withName(name)
                    .withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
            String said = "StatefulSet " + name + " deleted with its pods left running, to be made anew with volumes of "
                    + wanted + " (a claim template cannot change in place)";
            LOG.infof("%s/%s: %s", namespace, name, said);
            Events.record(client, cluster, "statefulset-", "Normal", "StatefulSetRecreated", said, Instant.now().toString());
        } catch (KubernetesClientException e) {
            LOG.warnf("%s/%s: the StatefulSet could not be deleted to take the new volume size: %s", namespace, name,
                    e.getMessage());
        }
    }

    private List<VolumeResize.Claim> claims(String namespace, String cluster) {
        String prefix = "data-" + cluster + "-";
        return client.persistentVolumeClaims().inNamespace(namespace).withLabels(KvNames.selector(cluster)).list()
                .getItems().stream()
                .filter(c -> c.getMetadata().getName().startsWith(prefix)
                        && c.getMetadata().getName().substring(prefix.length()).matches("[0-9]+"))
                .map(VolumeResizeKeeper::claim)
                .sorted(java.util.Comparator.comparing(VolumeResize.Claim::name))
                .toList();
    }

    private static VolumeResize.Claim claim(PersistentVolumeClaim pvc) {
        var requests = pvc.getSpec().getResources() == null ? null : pvc.getSpec().getResources().getRequests();
        long requested = requests == null || requests.get("storage") == null ? 0 : bytes(requests.get("storage"));
        var status = pvc.getStatus();
        boolean bound = status != null && "Bound".equals(status.getPhase());
        long capacity = status == null || status.getCapacity() == null || status.getCapacity().get("storage") == null ? 0
                : bytes(status.getCapacity().get("storage"));
        String pending = status == null || status.getConditions() == null || status.getConditions().isEmpty() ? null
                : status.getConditions().stream().map(VolumeResizeKeeper::said).collect(Collectors.joining("; "));
        return new VolumeResize.Claim(pvc.getMetadata().getName(), requested, capacity,
                pvc.getSpec().getStorageClassName(), bound, pending);
    }

    private static String said(PersistentVolumeClaimCondition condition) {
        return condition.getType() + (condition.getMessage() == null || condition.getMessage().isBlank() ? ""
                : ": " + condition.getMessage());
    }

    private VolumeResize.Expansion expansion(String storageClass) {
        if (storageClass == null || storageClass.isEmpty()) {
            return VolumeResize.Expansion.UNKNOWN;
        }
        try {
            StorageClass found = client.storage().v1().storageClasses().withName(storageClass).get();
            if (found == null) {
                return VolumeResize.Expansion.UNKNOWN;
            }
            return Boolean.TRUE.equals(found.getAllowVolumeExpansion()) ? VolumeResize.Expansion.ALLOWED
                    : VolumeResize.Expansion.NOT_ALLOWED;
        } catch (KubernetesClientException e) {
            // not allowed to read it: ask the claim anyway, the API server says whether it may grow
            return VolumeResize.Expansion.UNKNOWN;
        }
    }

    /** The size of the running StatefulSet's data claim template; null when it has none. */
    static Long templateBytes(StatefulSet statefulSet) {
        var templates = statefulSet.getSpec().getVolumeClaimTemplates();
        if (templates == null) {
            return null;
        }
        return templates.stream().filter(t -> "data".equals(t.getMetadata().getName()))
                .map(t -> t.getSpec().getResources() == null || t.getSpec().getResources().getRequests() == null ? null
                        : t.getSpec().getResources().getRequests().get("storage"))
                .filter(java.util.Objects::nonNull).map(VolumeResizeKeeper::bytes).findFirst().orElse(null);
    }

    private static long bytes(String quantity) {
        return bytes(new Quantity(quantity));
    }

    private static long bytes(Quantity quantity) {
        return quantity.getNumericalAmount().longValue();
    }
}
