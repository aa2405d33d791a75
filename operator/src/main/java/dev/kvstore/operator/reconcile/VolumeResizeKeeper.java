package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The I/O of {@link VolumeResize}: reads the claims of the cluster's stores and their StorageClasses, asks the claims
 * below {@code spec.storage.size} for it, and says how far they are in condition {@value VolumeResize#CONDITION} (an
 * Event for each claim asked, a Warning once a problem).
 *
 * <p>Claims are read when a spec generation is first seen, then every 15 s while they are not all sized (a class
 * that does not allow expansion, or a file system waiting for its pod's restart, can stay so for long, and a pass comes
 * every second), and every 5 minutes once sized while the template makes smaller claims (a volume made anew).
 */
final class VolumeResizeKeeper {

    private static final Logger LOG = Logger.getLogger(VolumeResizeKeeper.class);
    static final long RECHECK_NANOS = 15_000_000_000L;
    /** Once sized while the template makes smaller claims: a volume made anew (its claim and pod deleted) is seen. */
    static final long SIZED_RECHECK_NANOS = 300_000_000_000L;

    private final KubernetesClient client;
    /** By cluster uid: the generation last checked, when, and whether every store's claim was there (1) or not. */
    private final Map<String, long[]> checked = new ConcurrentHashMap<>();

    VolumeResizeKeeper(KubernetesClient client) {
        this.client = client;
    }

    void keep(KVCluster cluster, StatefulSet running) {
        if (running == null) {
            return; // no claims yet: the StatefulSet to be made has a template of spec.storage.size
        }
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        String wanted = cluster.getSpec().getStorage().getSize();
        long wantedBytes = bytes(new Quantity(wanted));
        long generation = cluster.getMetadata().getGeneration() == null ? 0 : cluster.getMetadata().getGeneration();
        Condition before = KVClusterReconciler.condition(cluster, VolumeResize.CONDITION);
        boolean sized = before != null && "True".equals(before.getStatus());
        long now = System.nanoTime();
        long[] last = checked.get(cluster.getMetadata().getUid());
        boolean sameGeneration = last != null && last[0] == generation;
        Long templateBytes = templateBytes(running);
        // a template below the size makes claims that must grow: a scale-up changes the generation, a volume made
        // anew does not, so it is looked for every 5 minutes
        boolean settled = sized && templateBytes != null && templateBytes >= wantedBytes;
        // a claim not made yet (the pass that scales up reads the claims before the StatefulSet is applied) is looked
        // for again soon
        boolean allFound = last != null && last[2] == 1;
        long recheck = sized && allFound ? SIZED_RECHECK_NANOS : RECHECK_NANOS;
        if (sameGeneration && (settled || now - last[1] < recheck)) {
            return;
        }
        checked.put(cluster.getMetadata().getUid(), new long[]{generation, now, 0});
        List<VolumeResize.Claim> claims;
        try {
            claims = claims(namespace, name, cluster.getSpec().getReplicas());
        } catch (KubernetesClientException e) {
            KVClusterReconciler.setCondition(cluster, VolumeResize.CONDITION, false, "Unknown",
                    "the volume claims could not be read: " + e.getMessage());
            return;
        }
        checked.put(cluster.getMetadata().getUid(), new long[]{generation, now,
                claims.size() >= cluster.getSpec().getReplicas() ? 1 : 0});
        Map<String, VolumeResize.Expansion> classes = new HashMap<>();
        VolumeResize.Plan plan = VolumeResize.plan(wantedBytes, wanted, claims,
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
        String reason = refused.isEmpty() ? plan.reason() : "ExpansionRefused";
        String message = refused.isEmpty() ? plan.message()
                : "the API server refused to grow " + String.join("; ", refused) + "; " + plan.message();
        if (!plan.sized() && !"Expanding".equals(reason) && (before == null || !reason.equals(before.getReason()))) {
            LOG.warnf("%s/%s: %s", namespace, name, message);
            Events.record(client, cluster, "", "Warning", reason, message, Instant.now().toString());
        }
        KVClusterReconciler.setCondition(cluster, VolumeResize.CONDITION, plan.sized() && refused.isEmpty(), reason,
                message);
    }

    /** The claims of the stores there are (ordinals below spec.replicas): a scaled-down store's kept claim waits. */
    private List<VolumeResize.Claim> claims(String namespace, String cluster, int replicas) {
        String prefix = "data-" + cluster + "-";
        return client.persistentVolumeClaims().inNamespace(namespace).withLabels(KvNames.selector(cluster)).list()
                .getItems().stream()
                .filter(c -> c.getMetadata().getName().startsWith(prefix)
                        && c.getMetadata().getName().substring(prefix.length()).matches("[0-9]{1,4}")
                        && Integer.parseInt(c.getMetadata().getName().substring(prefix.length())) < replicas)
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

    /** The running StatefulSet's data claim template, as written there; null when it has none. */
    static dev.kvstore.operator.resources.ClusterResources.KeptClaim keptClaim(StatefulSet statefulSet) {
        Quantity size = templateQuantity(statefulSet);
        if (size == null) {
            return null;
        }
        String storageClass = statefulSet.getSpec().getVolumeClaimTemplates().stream()
                .filter(t -> "data".equals(t.getMetadata().getName())).findFirst()
                .map(t -> t.getSpec().getStorageClassName()).orElse(null);
        return new dev.kvstore.operator.resources.ClusterResources.KeptClaim(size.toString(), storageClass);
    }

    private static Long templateBytes(StatefulSet statefulSet) {
        Quantity size = templateQuantity(statefulSet);
        return size == null ? null : bytes(size);
    }

    private static Quantity templateQuantity(StatefulSet statefulSet) {
        var templates = statefulSet.getSpec().getVolumeClaimTemplates();
        if (templates == null) {
            return null;
        }
        return templates.stream().filter(t -> "data".equals(t.getMetadata().getName()))
                .map(t -> t.getSpec().getResources() == null || t.getSpec().getResources().getRequests() == null ? null
                        : t.getSpec().getResources().getRequests().get("storage"))
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /** Saturated at Long.MAX_VALUE: the pattern lets 32 digits through. */
    private static long bytes(Quantity quantity) {
        return quantity.getNumericalAmount().min(BigDecimal.valueOf(Long.MAX_VALUE)).longValue();
    }
}
