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

/** The operator's pure decisions about planned changes: rolling updates, scaling down, a drained node. */
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

    @Nested
    class DrainedNodes {

        private Pod on(String node, Pod pod) {
            return new PodBuilder(pod).editOrNewSpec().withNodeName(node).endSpec().build();
        }

        private final List<Pod> pods = List.of(on("n1", pod("kv-0", "r", true)), on("n2", pod("kv-1", "r", true)),
                on("n3", pod("kv-2", "r", true)));

        @Test
        void nothingWhileThePrimarysNodeIsNotCordoned() {
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), pods, node -> !node.equals("n1")))
                    .isEqualTo(NodeMaintenance.NOTHING);
        }

        @Test
        void switchesOverToAReadySecondaryOnANodeThatIsNotCordoned() {
            var notReady = List.of(pods.get(0), on("n2", pod("kv-1", "r", false)), pods.get(2));
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), notReady, "n1"::equals))
                    .isEqualTo(new NodeMaintenance("kv-2", null));
            // two nodes drained at once: not onto the other one
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), pods, node -> !node.equals("n3")))
                    .isEqualTo(new NodeMaintenance("kv-2", null));
            // nor onto a secondary on the same node
            var sharing = List.of(pods.get(0), on("n1", pod("kv-1", "r", true)), pods.get(2));
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), sharing, "n1"::equals))
                    .isEqualTo(new NodeMaintenance("kv-2", null));
        }

        @Test
        void thePrimaryStaysAndSaysWhyWhenNoSecondaryCanTakeOver() {
            var alone = List.of(pods.get(0), on("n2", pod("kv-1", "r", false)), on("n3", pod("kv-2", "r", false)));
            NodeMaintenance plan = NodeMaintenance.plan(cluster(3, "kv-0"), alone, "n1"::equals);
            assertThat(plan.switchTo()).isNull();
            assertThat(plan.waiting()).contains("node n1 of primary kv-0 is cordoned", "PodDisruptionBudget");
        }

        @Test
        void notOntoAStoreOnItsWayOutNorForALoneStore() {
            Pod deleting = new PodBuilder(pods.get(1)).editMetadata().withDeletionTimestamp("2026-12-06T06:00:00Z")
                    .endMetadata().build();
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), List.of(pods.get(0), deleting, pods.get(2)), "n1"::equals))
                    .isEqualTo(new NodeMaintenance("kv-2", null));
            // scaling down to 2: kv-2 goes, so with kv-1 not ready there is no one to switch to
            var kv1NotReady = List.of(pods.get(0), on("n2", pod("kv-1", "r", false)), pods.get(2));
            assertThat(NodeMaintenance.plan(cluster(2, "kv-0"), kv1NotReady, "n1"::equals).switchTo()).isNull();
            assertThat(NodeMaintenance.plan(cluster(1, "kv-0"), List.of(pods.get(0)), "n1"::equals))
                    .as("one store: its budget lets the drain evict it, nothing to wait for").isEqualTo(NodeMaintenance.NOTHING);
            // scaling down to one past the primary: it still switches over to the store that stays
            assertThat(NodeMaintenance.plan(cluster(1, "kv-2"), pods, "n3"::equals)).isEqualTo(new NodeMaintenance("kv-0", null));
        }

        @Test
        void noPlannedSwitchoverGoesToAStoreOnACordonedNode() {
            // a rolling update and a scale-down pick another store
            var updated = List.of(on("n1", pod("kv-0", "r1", true)), on("n2", pod("kv-1", "r2", true)),
                    on("n3", pod("kv-2", "r2", true)));
            assertThat(RollingUpdate.plan(cluster(3, "kv-0"), updated, statefulSet("r2"), pod -> !pod.equals("kv-1")))
                    .isEqualTo(new RollingUpdate(null, "kv-2"));
            assertThat(ScaleDown.plan(cluster(2, "kv-2"), pods, pod -> !pod.equals("kv-0")))
                    .isEqualTo(new ScaleDown(3, "kv-1"));
            assertThat(NodeMaintenance.onCordonedNode("kv-1", pods, "n2"::equals)).isTrue();
            assertThat(NodeMaintenance.onCordonedNode("kv-1", pods, "n1"::equals)).isFalse();
            assertThat(NodeMaintenance.onCordonedNode("kv-9", pods, node -> true)).as("no such pod").isFalse();
        }

        @Test
        void aNodeBeingEmptiedIsCordonedOrTaintedSoByAnAutoscaler() {
            var spec = new io.fabric8.kubernetes.api.model.NodeSpec();
            assertThat(CordonedNodes.beingEmptied(spec)).isFalse();
            spec.setUnschedulable(true);
            assertThat(CordonedNodes.beingEmptied(spec)).isTrue();
            spec.setUnschedulable(null);
            spec.setTaints(List.of(new io.fabric8.kubernetes.api.model.Taint("NoSchedule", "karpenter.sh/disrupted", null, null)));
            assertThat(CordonedNodes.beingEmptied(spec)).isTrue();
            spec.setTaints(List.of(new io.fabric8.kubernetes.api.model.Taint("PreferNoSchedule", "ToBeDeletedByClusterAutoscaler", null, null),
                    new io.fabric8.kubernetes.api.model.Taint("NoSchedule", "dedicated", null, "db")));
            assertThat(CordonedNodes.beingEmptied(spec)).as("a soft one, and someone else's").isFalse();
        }

        @Test
        void nothingForAPrimaryNotYetScheduledOrUnknown() {
            var unscheduled = List.of(pod("kv-0", "r", true), pods.get(1), pods.get(2));
            assertThat(NodeMaintenance.plan(cluster(3, "kv-0"), unscheduled, node -> true)).isEqualTo(NodeMaintenance.NOTHING);
            assertThat(NodeMaintenance.plan(cluster(3, null), pods, node -> true)).isEqualTo(NodeMaintenance.NOTHING);
        }
    }

    @Nested
    class MaintenanceFences {

        private dev.kvstore.core.admin.NodeStatus store(String role, boolean fenced) {
            return new dev.kvstore.core.admin.NodeStatus("id", role, 1, 1, 10, 10, 10, 0, null, null,
                    "secondary".equals(role), false, 0, 0, "sync", 1, null, 0, 0, 0, 0, null, fenced);
        }

        /** kv with three stores, sync, minSyncReplicas 1 (the defaults), kv-0 primary. */
        private KVCluster threeStores() {
            return cluster(3, "kv-0");
        }

        private MaintenanceFencing plan(String annotation, KVCluster cluster, List<Pod> pods) {
            return MaintenanceFencing.plan(FenceRequest.parse(annotation, "kv"), cluster, pods, p -> true);
        }

        @Test
        void theAnnotationIsAJsonListOfTheClustersPods() {
            assertThat(FenceRequest.parse("[\"kv-2\", \"kv-0\"]", "kv").pods()).containsExactlyInAnyOrder("kv-0", "kv-2");
            assertThat(FenceRequest.parse(null, "kv")).isEqualTo(FenceRequest.NONE);
            assertThat(FenceRequest.parse("  ", "kv")).isEqualTo(FenceRequest.NONE);
            assertThat(FenceRequest.parse("[]", "kv").pods()).isEmpty();
        }

        @Test
        void namesOfOtherPodsAreLeftOutAndSaidAndNoFenceIsLiftedMeanwhile() {
            // meant: kv-1 stays fenced and kv-2 joins it; typed: kv-l
            FenceRequest request = FenceRequest.parse("[\"kv-l\", \"kv-2\", \"other-1\", \"kv-01\", \"kv-\"]", "kv");
            assertThat(request.pods()).containsExactly("kv-2");
            assertThat(request.problem()).contains("kv-l, other-1, kv-01, kv-").contains("not pods of kv");

            var statuses = new java.util.LinkedHashMap<String, dev.kvstore.core.admin.NodeStatus>();
            statuses.put("kv-0", store("primary", false));
            statuses.put("kv-1", store("none", true));
            statuses.put("kv-2", store("secondary", false));
            statuses.put("kv-3", store("secondary", false)); // follows: sync writes go on without kv-2
            assertThat(MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0", statuses).calls())
                    .containsExactly(java.util.Map.entry("kv-2", true));
        }

        @Test
        void anUnreadableAnnotationChangesNoFence() {
            for (String unreadable : List.of("kv-1", "{\"kv-1\": true}", "[1]", "[\"kv-1\"")) {
                FenceRequest request = FenceRequest.parse(unreadable, "kv");
                assertThat(request.pods()).as(unreadable).isNull();
                assertThat(request.problem()).as(unreadable).contains("not a JSON list of pod names");
                assertThat(MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0", java.util.Map.of(
                        "kv-1", store("none", true), "kv-2", store("secondary", false))).calls()).as(unreadable).isEmpty();
            }
        }

        @Test
        void secondariesAreFencedAndUnfencedAsAskedAndThePrimaryNeverInPlace() {
            FenceRequest request = FenceRequest.parse("[\"kv-0\", \"kv-1\"]", "kv");
            var statuses = new java.util.LinkedHashMap<String, dev.kvstore.core.admin.NodeStatus>();
            statuses.put("kv-0", store("primary", false));
            statuses.put("kv-1", store("secondary", false));
            statuses.put("kv-2", store("none", true)); // fenced before, no longer asked
            statuses.put("kv-3", store("none", true)); // fenced by someone else, not asked: lifted
            statuses.put("kv-4", store("secondary", false)); // follows: sync writes go on without kv-1
            assertThat(MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0", statuses).calls())
                    .containsExactly(java.util.Map.entry("kv-1", true), java.util.Map.entry("kv-2", false),
                            java.util.Map.entry("kv-3", false));
        }

        @Test
        void aPrimaryToBeFencedIsSwitchedAwayFromFirstToAReadyStoreNotToBeFencedNorLeaving() {
            KVCluster cluster = cluster(5, "kv-0");
            cluster.getSpec().setReplicas(4); // a scale-down under way: kv-4 is leaving
            cluster.getSpec().getReplication().setMode("async");
            var deleted = pod("kv-1", "r1", true);
            deleted.getMetadata().setDeletionTimestamp("2026-12-06T18:00:00Z");
            var pods = List.of(pod("kv-0", "r1", true), deleted, pod("kv-2", "r1", false), pod("kv-3", "r1", true),
                    pod("kv-4", "r1", true));

            assertThat(plan("[\"kv-0\", \"kv-3\"]", cluster, pods).switchTo()).as("only one leaving or deleted is ready")
                    .isNull();
            assertThat(plan("[\"kv-0\"]", cluster, pods)).isEqualTo(new MaintenanceFencing("kv-3", null, true));
            assertThat(plan("[\"kv-0\", \"kv-1\"]", cluster(4, "kv-0"), List.of(pod("kv-0", "r1", true),
                    pod("kv-1", "r1", true), pod("kv-2", "r1", true), pod("kv-3", "r1", true))).switchTo())
                    .isEqualTo("kv-2");
            assertThat(plan("[\"kv-1\"]", threeStores(), pods)).isEqualTo(MaintenanceFencing.NOTHING);
        }

        @Test
        void thePrimaryGoesToSpecSwitchoversTargetWhenItMayTakeOverSoThatItDoesNotMoveTwice() {
            KVCluster cluster = threeStores();
            var switchover = new KVClusterSpec.Switchover();
            switchover.setTargetPod("kv-2");
            cluster.getSpec().setSwitchover(switchover);
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true), pod("kv-2", "r1", true));

            assertThat(plan("[\"kv-0\"]", cluster, pods).switchTo()).isEqualTo("kv-2");
        }

        @Test
        void aPrimaryToBeFencedWithNoStoreToTakeOverStaysPrimaryAndSaysWhy() {
            // four stores, all ready, none allowed to take over (their nodes cordoned, say)
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true), pod("kv-2", "r1", true),
                    pod("kv-3", "r1", true));

            MaintenanceFencing plan = MaintenanceFencing.plan(FenceRequest.parse("[\"kv-0\"]", "kv"), cluster(4, "kv-0"),
                    pods, p -> false);

            assertThat(plan.switchTo()).isNull();
            assertThat(plan.waiting()).isEqualTo("the primary kv-0 is to be fenced: it stays primary, unfenced, until "
                    + "another store that is not to be fenced is ready to take over");
            assertThat(plan.condition(FenceRequest.parse("[\"kv-0\"]", "kv"), List.of(), null, List.of()).reason())
                    .isEqualTo("Waiting");
        }

        @Test
        void noFenceIsMadeThatWouldLeaveFewerFollowersThanSyncWritesNeedButFencesAreStillLifted() {
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true), pod("kv-2", "r1", true));
            FenceRequest both = FenceRequest.parse("[\"kv-1\", \"kv-2\"]", "kv");
            MaintenanceFencing plan = MaintenanceFencing.plan(both, threeStores(), pods, p -> true);
            var statuses = new java.util.LinkedHashMap<String, dev.kvstore.core.admin.NodeStatus>();
            statuses.put("kv-0", store("primary", false));
            statuses.put("kv-1", store("none", true)); // fenced while that was allowed
            statuses.put("kv-2", store("secondary", false));
            statuses.put("kv-3", store("none", true)); // not asked: lifted all the same
            statuses.put("kv-4", store("secondary", false)); // follows: only the refusal holds kv-2's fence back

            assertThat(plan.fencesAllowed()).isFalse();
            assertThat(plan.waiting()).contains("would leave 0 secondaries to follow the primary, fewer than minSyncReplicas 1");
            assertThat(plan.calls(both, threeStores().getSpec(), "kv-0", statuses).calls())
                    .containsExactly(java.util.Map.entry("kv-3", false));
            assertThat(plan.waiting()).startsWith(MaintenanceFencing.refusalOf(List.of("kv-2", "kv-1")) + " would leave");
            assertThat(plan.condition(both, List.of("kv-1"), null, List.of()))
                    .isEqualTo(new MaintenanceFencing.Condition(true, "WouldStopWrites", "kv-1 fenced for maintenance "
                            + "(annotation kvstore.dev/fenced-pods); " + plan.waiting()));
            // the primary to be fenced in a two-store cluster: not even switched away from
            assertThat(plan("[\"kv-0\"]", cluster(2, "kv-0"), List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true))))
                    .satisfies(p -> {
                        assertThat(p.switchTo()).isNull();
                        assertThat(p.fencesAllowed()).isFalse();
                    });
            // asynchronous mode: writes never wait for a secondary
            KVCluster async = threeStores();
            async.getSpec().getReplication().setMode("async");
            assertThat(MaintenanceFencing.plan(both, async, pods, p -> true).fencesAllowed()).isTrue();
        }
    
        @Test
        void aFenceIsHeldBackWhileTheOtherFollowersAreTooFewForSyncWritesAsTheStoresReportThem() {
            FenceRequest request = FenceRequest.parse("[\"kv-1\"]", "kv");
            var statuses = new java.util.LinkedHashMap<String, dev.kvstore.core.admin.NodeStatus>();
            statuses.put("kv-0", store("primary", false));
            statuses.put("kv-1", store("secondary", false));
            statuses.put("kv-2", store("none", false)); // down a moment, restarting

            MaintenanceFencing.Calls calls = MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0",
                    statuses);

            assertThat(calls.calls()).isEmpty();
            assertThat(calls.held()).isEqualTo("kv-1 not fenced yet: 0 other secondaries follow now, and sync writes need 1");
            statuses.put("kv-2", store("secondary", false));
            assertThat(MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0", statuses).calls())
                    .containsExactly(java.util.Map.entry("kv-1", true));
            // a pass that found the primary lost (or in doubt) names none: its secondaries' word that they follow
            // counts for nothing, and the fence waits
            MaintenanceFencing.Calls lost = MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), null,
                    statuses);
            assertThat(lost.calls()).isEmpty();
            assertThat(lost.held()).isEqualTo("kv-1 not fenced yet: no primary answers as one now");
            statuses.put("kv-0", store("none", false)); // deposed: answers, but not as a primary
            assertThat(MaintenanceFencing.NOTHING.calls(request, threeStores().getSpec(), "kv-0", statuses).calls())
                    .isEmpty();
        }

        @Test
        void aPrimaryIsNotSwitchedAwayWhenTheReadyStoresLeftCouldNotFollowEnough() {
            KVCluster cluster = threeStores();
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true), pod("kv-2", "r1", false));

            MaintenanceFencing plan = plan("[\"kv-0\"]", cluster, pods);

            assertThat(plan.switchTo()).isNull();
            assertThat(plan.waiting()).contains("would leave 0 ready secondaries to follow, fewer than minSyncReplicas 1");
        }

        @Test
        void aRollingUpdateRestartsAFencedStoreFirstAndNoSecondarySyncWritesNeed() {
            KVCluster cluster = threeStores();
            var pods = List.of(pod("kv-0", "r1", true), pod("kv-1", "r1", true), pod("kv-2", "r1", false));
            assertThat(RollingUpdate.plan(cluster, pods, statefulSet("r2"), p -> true, p -> p.equals("kv-2")))
                    .isEqualTo(new RollingUpdate("kv-2", null));

            var statuses = new java.util.LinkedHashMap<String, dev.kvstore.core.admin.NodeStatus>();
            statuses.put("kv-0", store("primary", false));
            statuses.put("kv-1", store("secondary", false));
            statuses.put("kv-2", store("none", true));
            assertThat(RollingUpdate.mayRestartNow(cluster.getSpec(), statuses, "kv-2")).as("fenced").isTrue();
            assertThat(RollingUpdate.mayRestartNow(cluster.getSpec(), statuses, "kv-1"))
                    .as("the only follower while kv-2 is fenced").isFalse();
            assertThat(RollingUpdate.mayRestartNow(cluster.getSpec(), statuses, "kv-0")).as("the primary").isFalse();
            statuses.put("kv-2", store("secondary", false));
            assertThat(RollingUpdate.mayRestartNow(cluster.getSpec(), statuses, "kv-1")).as("none fenced").isTrue();
        }
    }
}
