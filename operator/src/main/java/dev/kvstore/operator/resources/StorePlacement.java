package dev.kvstore.operator.resources;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;

/**
 * Where a cluster's stores may run: on distinct nodes, so that losing a node costs one store and never
 * the primary together with its sync replica. By default a preference (as CloudNativePG's default), so a
 * cluster of more stores than nodes still starts; {@code required} makes it a rule, {@code none} leaves the
 * scheduler alone. A pod anti-affinity the user writes in {@code spec.affinity} wins over all three.
 */
public final class StorePlacement {

    public static final String PREFERRED = "preferred";
    public static final String REQUIRED = "required";
    public static final String NONE = "none";

    /** One store per node: what the term counts is nodes, by their host name label. */
    static final String TOPOLOGY_KEY = "kubernetes.io/hostname";

    private StorePlacement() {
    }

    /** The pods' affinity: the user's, with the cluster's anti-affinity added unless the user wrote one. */
    public static Affinity affinity(String cluster, Affinity users, String podAntiAffinity) {
        String mode = podAntiAffinity == null ? PREFERRED : podAntiAffinity;
        if (NONE.equals(mode) || users != null && users.getPodAntiAffinity() != null) {
            return users;
        }
        PodAffinityTerm apartFromEachOther = new PodAffinityTermBuilder()
                .withNewLabelSelector().withMatchLabels(KvNames.selector(cluster)).endLabelSelector()
                .withTopologyKey(TOPOLOGY_KEY)
                .build();
        AffinityBuilder affinity = users == null ? new AffinityBuilder() : new AffinityBuilder(users);
        if (REQUIRED.equals(mode)) {
            return affinity.withNewPodAntiAffinity()
                    .addToRequiredDuringSchedulingIgnoredDuringExecution(apartFromEachOther)
                    .endPodAntiAffinity().build();
        }
        return affinity.withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100)
                .withPodAffinityTerm(apartFromEachOther).endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity().build();
    }
}
