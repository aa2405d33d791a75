package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Moves the role labels, so that the -rw and -ro Services and the two PodDisruptionBudgets select the right pods.
 *
 * <p>The disruption controller recounts, when a pod changes, only the budget the pod matches now: the primary's
 * budget is not recounted when its pod turns secondary, nor the secondaries' when one turns primary. An eviction
 * checks the count the budget's status holds, so a stale one is a hole: the primary's budget still counting two
 * primaries allows the primary's eviction. So the demotions go first (never two pods labelled primary at once),
 * and once labels moved, both budgets are annotated, which makes the controller count each anew.
 */
final class RoleLabels {

    private static final Logger LOG = Logger.getLogger(RoleLabels.class);

    /** One pod's label to set. */
    record Relabel(Pod pod, String role) {
        String podName() {
            return pod.getMetadata().getName();
        }
    }

    private final KubernetesClient client;

    RoleLabels(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The labels to change, demotions first: the primary's label goes on last, when no other pod bears it. Pods
     * being deleted are left as they are.
     */
    static List<Relabel> plan(List<StoreMember> members, String primaryName) {
        List<Relabel> demotions = new ArrayList<>();
        List<Relabel> promotions = new ArrayList<>();
        for (StoreMember member : members) {
            Pod pod = member.pod();
            if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            boolean primary = member.name().equals(primaryName);
            String role = primary ? KvNames.PRIMARY : KvNames.SECONDARY;
            Map<String, String> labels = pod.getMetadata().getLabels();
            if (labels != null && role.equals(labels.get(KvNames.ROLE_LABEL))) {
                continue;
            }
            (primary ? promotions : demotions).add(new Relabel(pod, role));
        }
        demotions.addAll(promotions);
        return demotions;
    }

    void move(String cluster, List<StoreMember> members, String primaryName) {
        List<Relabel> relabels = plan(members, primaryName);
        boolean moved = false;
        for (Relabel relabel : relabels) {
            Pod pod = relabel.pod();
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(relabel.podName())
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"" + KvNames.ROLE_LABEL + "\":\"" + relabel.role() + "\"}}}");
                moved = true;
            } catch (RuntimeException e) {
                LOG.warnf("could not label %s %s: %s", relabel.podName(), relabel.role(), e.getMessage());
            }
        }
        if (moved) {
            recountBudgets(relabels.get(0).pod().getMetadata().getNamespace(), cluster, primaryName);
        }
    }

    /** A new value every time (the time), so that the budget changes and its update reaches the controller. */
    private void recountBudgets(String namespace, String cluster, String primaryName) {
        String value = primaryName + " at " + Instant.now();
        for (String budget : List.of(KvNames.primaryDisruptionBudget(cluster), cluster)) {
            try {
                client.policy().v1().podDisruptionBudget().inNamespace(namespace).withName(budget)
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"annotations\":{\"" + KvNames.ROLES_MOVED + "\":\"" + value + "\"}}}");
            } catch (RuntimeException e) {
                // absent (not applied yet: it is counted when made) or refused: said, and the next move tries again
                LOG.warnf("could not have budget %s counted anew: %s", budget, e.getMessage());
            }
        }
    }
}
