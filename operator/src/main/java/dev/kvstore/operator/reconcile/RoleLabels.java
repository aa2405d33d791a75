package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Moves the role labels, so that the -rw and -ro Services and the two PodDisruptionBudgets select the right pods.
 *
 * <p>The disruption controller recounts, when a pod changes, only the budget the pod matches now: the primary's
 * budget is not recounted when its pod turns secondary, nor the secondaries' when one turns primary. An eviction
 * checks the count the budget's status holds, so a stale one is a hole: the primary's budget still counting two
 * primaries allows the primary's eviction. So the demotions go first (never two pods labelled primary at once; a
 * demotion refused holds the promotion back until the next pass), and the budgets' counts are then compared with
 * the labels: a budget that counts otherwise is annotated, which makes the controller count it anew. That check
 * goes on pass after pass until both budgets agree, {@link #SETTLE_NANOS} after labels last moved (the controller
 * may take the annotation before it has seen the last label; an annotation may fail; an operator may stop between
 * the labels and the annotation), and then rests until labels move again.
 */
final class RoleLabels {

    private static final Logger LOG = Logger.getLogger(RoleLabels.class);

    /** One pod's label to set. */
    record Relabel(Pod pod, String role) {
        String podName() {
            return pod.getMetadata().getName();
        }

        boolean promotion() {
            return KvNames.PRIMARY.equals(role);
        }
    }

    /**
     * How long after labels moved a budget's agreeing count is not yet believed: the controller may not have taken
     * the last label change yet (a pod labelled primary by someone else just before its demotion, say), and would
     * then count it after this check.
     */
    static final long SETTLE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private final KubernetesClient client;
    /** Per cluster (namespace/name): when its labels last moved, or this operator first saw it (System.nanoTime). */
    private final Map<String, Long> movedAt = new ConcurrentHashMap<>();
    /** The clusters whose budgets were seen counting the pods as labelled, settled, since labels last moved. */
    private final Set<String> budgetsAgree = ConcurrentHashMap.newKeySet();

    RoleLabels(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The labels to change, demotions first: the primary's label goes on last. Each store (a member) bears its
     * role; any other pod of the cluster (one past the members after a scale-down, say) that bears the primary's
     * label loses it. Pods being deleted are left as they are.
     */
    static List<Relabel> plan(List<StoreMember> members, List<Pod> pods, String primaryName) {
        Map<String, Pod> byName = new java.util.TreeMap<>();
        pods.forEach(pod -> byName.put(pod.getMetadata().getName(), pod));
        java.util.Set<String> memberNames = new java.util.HashSet<>();
        for (StoreMember member : members) {
            memberNames.add(member.name());
            if (member.pod() != null) {
                byName.put(member.name(), member.pod());
            }
        }
        List<Relabel> demotions = new ArrayList<>();
        List<Relabel> promotions = new ArrayList<>();
        for (Pod pod : byName.values()) {
            String name = pod.getMetadata().getName();
            if (terminating(pod)) {
                continue;
            }
            String bears = roleOf(pod);
            boolean primary = name.equals(primaryName);
            if (!memberNames.contains(name) && !primary) {
                if (KvNames.PRIMARY.equals(bears)) {
                    demotions.add(new Relabel(pod, KvNames.SECONDARY));
                }
                continue;
            }
            String role = primary ? KvNames.PRIMARY : KvNames.SECONDARY;
            if (!role.equals(bears)) {
                (primary ? promotions : demotions).add(new Relabel(pod, role));
            }
        }
        demotions.addAll(promotions);
        return demotions;
    }

    private static boolean terminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    private static String roleOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        return labels == null ? null : labels.get(KvNames.ROLE_LABEL);
    }

    /**
     * How many pods each budget should count, from the role labels of the cluster's pods (those being deleted
     * included, as the controller counts them): [the primary's budget, the secondaries' budget].
     */
    static int[] expectedCounts(Map<String, String> roleByPod) {
        int primaries = (int) roleByPod.values().stream().filter(KvNames.PRIMARY::equals).count();
        return new int[] {primaries, roleByPod.size() - primaries};
    }

    /**
     * @param pods    every pod of the cluster (its budgets' selector without the role)
     * @param members the stores to label
     */
    void move(String namespace, String cluster, List<Pod> pods, List<StoreMember> members, String primaryName) {
        Map<String, String> roleByPod = new LinkedHashMap<>();
        java.util.Set<String> terminating = new java.util.HashSet<>();
        for (Pod pod : pods) {
            roleByPod.put(pod.getMetadata().getName(), roleOf(pod));
            if (terminating(pod)) {
                terminating.add(pod.getMetadata().getName());
            }
        }
        List<Relabel> relabels = plan(members, pods, primaryName);
        apply(relabels, roleByPod, terminating, (pod, role) -> client.pods().inNamespace(namespace).withName(pod)
                .patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"labels\":{\"" + KvNames.ROLE_LABEL + "\":\"" + role + "\"}}}"));
        String key = namespace + "/" + cluster;
        long now = System.nanoTime();
        if (!relabels.isEmpty()) {
            movedAt.put(key, now);
            budgetsAgree.remove(key);
        }
        long moved = movedAt.computeIfAbsent(key, k -> now);
        if (!budgetsAgree.contains(key) && recountStaleBudgets(namespace, cluster, expectedCounts(roleByPod))
                && now - moved > SETTLE_NANOS) {
            budgetsAgree.add(key);
        }
    }

    /** Sets one pod's role label (the API server's answer as an exception). */
    interface LabelPatch {
        void set(String pod, String role);
    }

    /**
     * Sets the labels in the plan's order, and records in {@code roleByPod} what each pod bears afterwards. The
     * promotion waits while another pod (not being deleted) still bears the primary's label, a demotion refused
     * say: two pods labelled primary would let the primary's budget allow an eviction, and the -rw Service route to
     * both; the next pass tries again. A pod gone (404) is no longer counted. Whatever the API server or the client
     * throws is said and ends nothing else: the pass goes on (a failover is recorded after this).
     */
    static void apply(List<Relabel> relabels, Map<String, String> roleByPod, java.util.Set<String> terminating,
                      LabelPatch patch) {
        for (Relabel relabel : relabels) {
            if (relabel.promotion() && roleByPod.entrySet().stream().anyMatch(e -> KvNames.PRIMARY.equals(e.getValue())
                    && !e.getKey().equals(relabel.podName()) && !terminating.contains(e.getKey()))) {
                LOG.warnf("%s not labelled primary while another pod still is", relabel.podName());
                return;
            }
            try {
                patch.set(relabel.podName(), relabel.role());
                roleByPod.put(relabel.podName(), relabel.role());
            } catch (RuntimeException e) {
                if (e instanceof KubernetesClientException refused && refused.getCode() == 404) {
                    roleByPod.remove(relabel.podName());
                    continue;
                }
                LOG.warnf("could not label %s %s: %s", relabel.podName(), relabel.role(), e.getMessage());
            }
        }
    }

    /**
     * Annotates each budget whose status counts otherwise than the labels say, with a new value every time (the
     * time), so that the budget changes and its update reaches the controller. Answers whether both agreed.
     */
    private boolean recountStaleBudgets(String namespace, String cluster, int[] expected) {
        List<String> budgets = List.of(KvNames.primaryDisruptionBudget(cluster), cluster);
        boolean agree = true;
        for (int i = 0; i < budgets.size(); i++) {
            String budget = budgets.get(i);
            try {
                var resource = client.policy().v1().podDisruptionBudget().inNamespace(namespace).withName(budget);
                PodDisruptionBudget current = resource.get();
                // none (not applied, or refused: ClusterObjects says so), or not counted yet: the controller counts a
                // budget as it is made, with the labels of then; nothing stale to correct
                if (current == null || current.getStatus() == null || current.getStatus().getExpectedPods() == null) {
                    continue;
                }
                int counted = current.getStatus().getExpectedPods();
                if (counted == expected[i]) {
                    continue;
                }
                agree = false;
                resource.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                        + KvNames.ROLES_MOVED + "\":\"" + Instant.now() + "\"}}}");
                LOG.debugf("budget %s counted %s pods, the labels say %d: to be counted anew", budget, counted, expected[i]);
            } catch (RuntimeException e) {
                agree = false; // checked again next pass
                LOG.warnf("could not have budget %s counted anew: %s", budget, e.getMessage());
            }
        }
        return agree;
    }
}
