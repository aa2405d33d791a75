package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What one pass does about the fences the user asked for ({@link FenceRequest}). A secondary is fenced at once. The
 * primary is not fenced in place (its clients' writes would stop, with no failover to follow, as in CloudNativePG):
 * it is switched away from first, to a store that may take over ({@link SwitchoverTargets}; spec.switchover's target
 * first, so that it does not switch twice), and fenced once it is a secondary. In sync mode no fence is made that
 * would leave fewer secondaries following than {@code minSyncReplicas}: writes would stop. Judged twice: by the
 * spec (the fences asked for, however the stores are now: {@link #wouldStopWrites}, said to the plugin as a lasting
 * refusal), and by what the stores report this pass (one of them down: {@link #calls} holds the fence back). Pure:
 * the reconciler makes the calls.
 *
 * @param switchTo      the store to switch over to before the primary can be fenced, or null
 * @param waiting       why a fence asked for is not made, or null
 * @param fencesAllowed whether new fences may be made at all (lifting one always may)
 */
record MaintenanceFencing(String switchTo, String waiting, boolean fencesAllowed) {

    static final MaintenanceFencing NOTHING = new MaintenanceFencing(null, null, true);

    /** {@code mayTakeOver}: whether a switchover may go to that pod (not one on a node being emptied). */
    static MaintenanceFencing plan(FenceRequest request, KVCluster cluster, List<Pod> pods, Predicate<String> mayTakeOver) {
        KVClusterSpec spec = cluster.getSpec();
        String stopsWrites = wouldStopWrites(request, spec);
        if (stopsWrites != null) {
            return new MaintenanceFencing(null, stopsWrites, false);
        }
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        if (primary == null || !request.wants(primary)) {
            return NOTHING;
        }
        // the stores that would follow once the primary moved and is fenced: the ready ones not to be fenced, less
        // the one that takes over
        long readyOthers = SwitchoverTargets.eligible(cluster, pods, pod -> !request.wants(pod)).count();
        if (syncNeeds(spec) > 0 && syncNeeds(spec) > readyOthers - 1) {
            return new MaintenanceFencing(null, "the primary " + primary + " is to be fenced: it stays primary, "
                    + "unfenced, while switching away would leave " + Math.max(0, readyOthers - 1) + " ready "
                    + "secondaries to follow, fewer than minSyncReplicas " + syncNeeds(spec), true);
        }
        String preferred = spec.getSwitchover() == null ? null : spec.getSwitchover().getTargetPod();
        return SwitchoverTargets.eligible(cluster, pods, pod -> !request.wants(pod) && mayTakeOver.test(pod))
                .map(p -> p.getMetadata().getName())
                .sorted(Comparator.comparing(pod -> !pod.equals(preferred)))
                .map(pod -> new MaintenanceFencing(pod, null, true)).findFirst()
                .orElse(new MaintenanceFencing(null, "the primary " + primary + " is to be fenced: it stays primary, "
                        + "unfenced, until another store that is not to be fenced is ready to take over", true));
    }

    /** The followers sync writes need: minSyncReplicas in sync mode, none in async mode. */
    private static int syncNeeds(KVClusterSpec spec) {
        return "sync".equals(spec.getReplication().getMode()) ? spec.getReplication().getMinSyncReplicas() : 0;
    }

    /** Why the fences asked for would stop sync writes even with every other store following, or null. */
    static String wouldStopWrites(FenceRequest request, KVClusterSpec spec) {
        if (request.pods() == null || request.pods().isEmpty()) {
            return null;
        }
        int replicas = spec.getReplicas();
        long fenced = request.pods().stream().filter(pod -> PrimaryKeeper.ordinalOf(pod) < replicas).count();
        long following = replicas - fenced - 1;
        if (following >= syncNeeds(spec)) {
            return null;
        }
        if (following < 0) {
            return refusalOf(request.pods()) + " would leave no store to take writes, so no store is fenced until fewer "
                    + "are asked for";
        }
        return refusalOf(request.pods()) + " would leave " + following + " secondaries to follow the primary, fewer "
                + "than minSyncReplicas " + syncNeeds(spec) + ": sync writes would stop, so no store is fenced until "
                + "fewer are asked for (or minSyncReplicas is lowered)";
    }

    /**
     * How a lasting refusal of these fences starts: the plugin reads it to tell a refusal of the list it asked for
     * from one said of a list before its edit.
     */
    static String refusalOf(java.util.Collection<String> pods) {
        return "fencing " + String.join(", ", new java.util.TreeSet<>(pods));
    }

    /**
     * The admin calls to make now ({@code calls}, by pod: true to fence, false to lift the fence), and why a fence
     * asked for is held back this pass ({@code held}, or null).
     */
    record Calls(Map<String, Boolean> calls, String held) {
    }

    /**
     * Only stores that answered, and never the primary (in the status or by its own word): it is switched away from
     * first. A fence is made only while the stores following outside the fences asked for are enough for sync
     * writes (one of them down holds it back). A fence is lifted only when the annotation names nothing strange: a
     * typo in a hand-edited list must not unfence the store it meant.
     */
    Calls calls(FenceRequest request, KVClusterSpec spec, String primary, Map<String, NodeStatus> statuses) {
        Map<String, Boolean> calls = new LinkedHashMap<>();
        if (request.pods() == null) {
            return new Calls(calls, null); // the annotation cannot be read: every store keeps its fence as it is
        }
        // a secondary's word that it follows counts only while the primary answers as one: in a pass that found the
        // primary lost, a secondary may not have noticed yet, and a store fenced now could be the one holding the
        // last acknowledged writes, which a fenced store never gets promoted with
        NodeStatus primaryStatus = primary == null ? null : statuses.get(primary);
        boolean primaryServes = primaryStatus != null && "primary".equals(primaryStatus.role()) && !primaryStatus.fenced();
        long followingOutside = !primaryServes ? 0 : statuses.entrySet().stream()
                .filter(e -> e.getValue().following() && !request.wants(e.getKey())).count();
        boolean enoughFollow = primaryServes && followingOutside >= syncNeeds(spec);
        List<String> held = new ArrayList<>();
        statuses.forEach((pod, status) -> {
            boolean wanted = request.wants(pod) && !pod.equals(primary) && !"primary".equals(status.role());
            if (wanted && !status.maintenanceFenced() && fencesAllowed && enoughFollow) {
                calls.put(pod, true);
            } else if (wanted && !status.maintenanceFenced() && fencesAllowed) {
                held.add(pod);
            } else if (!wanted && status.maintenanceFenced() && request.problem() == null) {
                calls.put(pod, false);
            }
        });
        return new Calls(calls, held.isEmpty() ? null : String.join(", ", held) + " not fenced yet: " + (!primaryServes
                ? "no primary answers as one now" : followingOutside + " other secondaries follow now, and sync writes "
                + "need " + syncNeeds(spec)));
    }

    /** Condition {@code Fenced}: true while a store is fenced; its reason says what holds a fence back, if anything. */
    record Condition(boolean fenced, String reason, String message) {
    }

    /**
     * @param fenced the stores that report themselves fenced, after this pass's calls
     * @param held   why a fence is held back this pass ({@link Calls#held}), or null
     * @param failed the calls that failed this pass, each with its error
     */
    Condition condition(FenceRequest request, List<String> fenced, String held, List<String> failed) {
        List<String> said = new ArrayList<>();
        if (!fenced.isEmpty()) {
            said.add(String.join(", ", fenced) + " fenced for maintenance (annotation " + KvNames.FENCED_PODS + ")");
        }
        if (waiting != null) {
            said.add(waiting);
        }
        if (held != null) {
            said.add(held);
        }
        if (!failed.isEmpty()) {
            said.add("not yet changed: " + String.join("; ", failed));
        }
        if (request.problem() != null) {
            said.add(request.problem());
        }
        String reason = request.problem() != null ? "InvalidAnnotation"
                : !fencesAllowed ? "WouldStopWrites"
                : waiting != null || held != null ? "Waiting"
                : !failed.isEmpty() ? "Pending"
                : fenced.isEmpty() ? "None" : "FencedForMaintenance";
        return new Condition(!fenced.isEmpty(), reason, String.join("; ", said));
    }
}
