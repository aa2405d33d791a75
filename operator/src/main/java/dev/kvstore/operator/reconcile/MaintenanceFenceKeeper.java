package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/** The I/O of {@link MaintenanceFencing}'s decisions: the stores' admin calls, the Events, the condition. */
final class MaintenanceFenceKeeper {

    /** True while a store is fenced for maintenance; says too why a fence asked for is not in force yet. */
    static final String CONDITION = "Fenced";
    private static final Logger LOG = Logger.getLogger(MaintenanceFenceKeeper.class);

    private final KubernetesClient client;

    MaintenanceFenceKeeper(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Fences and unfences the stores as the annotation asks ({@link MaintenanceFencing}): the admin calls, an Event
     * for each change and for a new problem with the annotation, condition {@value #CONDITION}. Answers the outcome with
     * the statuses the calls returned, so that the status written this pass shows them.
     */
    PrimaryKeeper.Outcome keep(KVCluster cluster, List<Pod> pods, FenceRequest fence, MaintenanceFencing fencing,
                               AdminClient admin, PrimaryKeeper.Outcome outcome) {
        String name = cluster.getMetadata().getName();
        Map<String, NodeStatus> statuses = new java.util.LinkedHashMap<>(outcome.statuses());
        List<String> failed = new ArrayList<>();
        // no primary named while it is in doubt: then no new fence is made (a lost primary's secondaries may still say
        // they follow), and the primary is still never fenced (it answers as one)
        String primary = outcome.primaryInDoubt() || outcome.degradedReason() != null ? null
                : cluster.getStatus().getPrimary();
        MaintenanceFencing.Calls calls = fencing.calls(fence, cluster.getSpec(), primary, statuses);
        calls.calls().forEach((pod, wanted) -> {
            String url = pods.stream().filter(p -> p.getMetadata().getName().equals(pod)).findFirst()
                    .map(p -> StoreMember.of(pod, p).adminUrl()).orElse(null);
            try {
                if (url == null) {
                    throw new java.io.IOException("its pod has no address");
                }
                statuses.put(pod, admin.maintenanceFence(url, wanted));
                String said = wanted ? pod + " fenced for maintenance: it follows no one, serves no client and is never "
                        + "promoted until unfenced" : pod + " unfenced: it follows the primary again";
                LOG.infof("%s/%s: %s", cluster.getMetadata().getNamespace(), name, said);
                Events.record(client, cluster, (wanted ? "fenced-" : "unfenced-") + pod + "-", "Normal",
                        wanted ? "Fenced" : "Unfenced", said, Instant.now().toString());
            } catch (java.io.IOException | RuntimeException e) {
                failed.add(pod + " (" + e.getMessage() + ")");
                LOG.warnf("%s/%s: could not %s %s: %s", cluster.getMetadata().getNamespace(), name,
                        wanted ? "fence" : "unfence", pod, e.getMessage());
            }
        });
        List<String> fenced = statuses.entrySet().stream().filter(e -> e.getValue().maintenanceFenced())
                .map(Map.Entry::getKey).sorted().toList();
        MaintenanceFencing.Condition said = fencing.condition(fence, fenced, calls.held(), failed);
        Condition before = KVClusterReconciler.condition(cluster, CONDITION);
        // a Warning Event once a problem, not once a pass: compared by the problem itself, not the whole message
        // (which lists the stores that answered this pass)
        String problem = "InvalidAnnotation".equals(said.reason()) ? fence.problem()
                : "WouldStopWrites".equals(said.reason()) ? fencing.waiting() : null;
        boolean newProblem = problem != null && (before == null || !said.reason().equals(before.getReason())
                || before.getMessage() == null || !before.getMessage().contains(problem));
        if (newProblem) {
            Events.record(client, cluster, "", "Warning", said.reason(), said.message(), Instant.now().toString());
        }
        KVClusterReconciler.setCondition(cluster, CONDITION, said.fenced(), said.reason(), said.message());
        return new PrimaryKeeper.Outcome(outcome.degradedReason(), statuses, outcome.primaryInDoubt());
    }
}
