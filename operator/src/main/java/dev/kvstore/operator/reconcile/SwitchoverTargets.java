package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The stores a planned switchover (a drain's, a scale-down's, a fence's) may go to: not the primary, not on its way
 * out (deleted, or above the replicas asked for), ready, and allowed by {@code mayTakeOver} (not on a node being
 * emptied, not to be fenced). One rule, so the plans cannot pick targets the keeper then refuses.
 */
final class SwitchoverTargets {

    private SwitchoverTargets() {
    }

    static Stream<Pod> eligible(KVCluster cluster, List<Pod> pods, Predicate<String> mayTakeOver) {
        String primary = cluster.getStatus() == null ? null : cluster.getStatus().getPrimary();
        int replicas = cluster.getSpec().getReplicas();
        return pods.stream()
                .filter(p -> !p.getMetadata().getName().equals(primary))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null
                        && PrimaryKeeper.ordinalOf(p.getMetadata().getName()) < replicas)
                .filter(p -> StoreMember.of(p.getMetadata().getName(), p).podReady())
                .filter(p -> mayTakeOver.test(p.getMetadata().getName()));
    }
}
