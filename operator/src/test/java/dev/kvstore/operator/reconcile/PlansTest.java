package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import dev.kvstore.operator.model.KVClusterStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The operator's pure decisions about planned changes: rolling updates and scaling down. */
class PlansTest {

    static KVCluster cluster(int replicas, String primary) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").build());
        KVClusterSpec spec = new KVClusterSpec();
        spec.setReplicas(replicas);
        cluster.setSpec(spec);
        KVClusterStatus status = new KVClusterStatus();
        status.setPrimary(primary);
        cluster.setStatus(status);
        return cluster;
    }

    static Pod pod(String name, String revision, boolean ready) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels(RollingUpdate.REVISION_LABEL, revision)
                .endMetadata().withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .endCondition().endStatus().build();
    }

    static StatefulSet statefulSet(String updateRevision) {
        return new StatefulSetBuilder().withNewStatus().withUpdateRevision(updateRevision).endStatus().build();
    }

    @Nested
    class RollingUpdates {

        @Test
        void nothingToDoWhenEveryPodRunsTheCurrentRevision() {
            var pods = List.of(pod("kv-0", "r2", true), pod("kv-1", "r2", true), pod("kv-2", "r2", true));
            assertThat(RollingUpdate.plan(cluster(3, "kv-0"), pods, statefulSet("r2"))).isEqualTo(RollingUpdate.NOTHING);
        }

        @Test
        void restartsAnOutdatedSecondaryBeforeThePrimary() {
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r2", true), pod("kv-2", "r1", true));
            assertThat(RollingUpdate.plan(cluster(3, "kv-0"), pods, statefulSet("r2")))
                    .isEqualTo(new RollingUpdate("kv-2", null));
        }

        @Test
        void switchesOverToAnUpdatedReadySecondaryWhenOnlyThePrimaryIsOutdated() {
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r2", false), pod("kv-2", "r2", true));
            assertThat(RollingUpdate.plan(cluster(3, "kv-0"), pods, statefulSet("r2")))
                    .isEqualTo(new RollingUpdate(null, "kv-2"));
        }

        @Test
        void waitsWhileAPodIsMissing() {
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true));
            assertThat(RollingUpdate.plan(cluster(3, "kv-0"), pods, statefulSet("r2"))).isEqualTo(RollingUpdate.NOTHING);
        }
    }

    @Nested
    class ScalingDown {

        @Test
        void shrinksAtOnceWhenThePrimaryStays() {
            var pods = List.of(pod("kv-0", "r", true), pod("kv-1", "r", true), pod("kv-2", "r", true),
                    pod("kv-3", "r", true), pod("kv-4", "r", true));
            assertThat(ScaleDown.plan(cluster(3, "kv-1"), pods)).isEqualTo(new ScaleDown(3, null));
        }

        @Test
        void switchesOverFirstWhenThePrimaryWouldBeRemoved() {
            var pods = List.of(pod("kv-0", "r", false), pod("kv-1", "r", true), pod("kv-2", "r", true),
                    pod("kv-3", "r", true), pod("kv-4", "r", true));
            assertThat(ScaleDown.plan(cluster(3, "kv-4"), pods)).isEqualTo(new ScaleDown(5, "kv-1"));
        }

        @Test
        void keepsThePrimaryWhileNoStoreThatStaysIsReady() {
            var pods = List.of(pod("kv-0", "r", false), pod("kv-1", "r", false), pod("kv-2", "r", true),
                    pod("kv-3", "r", true));
            assertThat(ScaleDown.plan(cluster(2, "kv-3"), pods)).isEqualTo(new ScaleDown(4, null));
        }

        @Test
        void beforeTheFirstElectionTheSpecDecides() {
            assertThat(ScaleDown.plan(cluster(3, null), List.of())).isEqualTo(new ScaleDown(3, null));
        }
    }
}
