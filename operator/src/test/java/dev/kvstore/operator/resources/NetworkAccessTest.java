package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.Test;

/** When a cluster gets its NetworkPolicy: never cutting off the clients of a cluster made before policies. */
class NetworkAccessTest {

    private static KVCluster cluster(KVClusterSpec spec) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(spec);
        return cluster;
    }

    private static KVClusterSpec enabled(Boolean enabled) {
        KVClusterSpec spec = new KVClusterSpec();
        spec.setNetworkPolicy(new KVClusterSpec.NetworkPolicy());
        spec.getNetworkPolicy().setEnabled(enabled);
        return spec;
    }

    /** A StatefulSet as this operator makes it (it declares the admin port). */
    private static StatefulSet ofThisRelease() {
        return ClusterResources.statefulSet(cluster(new KVClusterSpec()));
    }

    /** A StatefulSet as an operator before NetworkPolicies made it: no admin port. */
    private static StatefulSet ofAnEarlierRelease() {
        StatefulSet set = ofThisRelease();
        set.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()
                .removeIf(port -> port.getName().equals("admin") || port.getName().equals("management"));
        return set;
    }

    private static Condition condition(String reason) {
        return new ConditionBuilder().withType(NetworkAccess.CONDITION).withReason(reason).build();
    }

    @Test
    void aNewClusterGetsItsPolicy() {
        NetworkAccess.Decision decision = NetworkAccess.decide(cluster(new KVClusterSpec()), null, null);
        assertThat(decision.wanted()).isTrue();
        assertThat(decision.reason()).isEqualTo("Applied");
        assertThat(decision.message()).contains("kv-network-policy");
        assertThat(NetworkAccess.decide(cluster(new KVClusterSpec()), ofThisRelease(), condition("Applied")).wanted())
                .isTrue();
    }

    @Test
    void aClusterMadeBeforePoliciesStaysWithoutOneAndSaysHowToTurnItOn() {
        NetworkAccess.Decision first = NetworkAccess.decide(cluster(new KVClusterSpec()), ofAnEarlierRelease(), null);
        assertThat(first.wanted()).isFalse();
        assertThat(first.keptOpenSinceBefore()).isTrue();
        assertThat(first.message()).contains("kvstore.dev/client-of=kv").contains("spec.networkPolicy.enabled: true");
        // the update's rolling restart gives it this release's StatefulSet: the condition keeps the decision
        NetworkAccess.Decision after = NetworkAccess.decide(cluster(new KVClusterSpec()), ofThisRelease(),
                condition(first.reason()));
        assertThat(after.wanted()).isFalse();
        assertThat(after.keptOpenSinceBefore()).isTrue();
    }

    @Test
    void theSpecDecidesWhenItSaysSomething() {
        assertThat(NetworkAccess.decide(cluster(enabled(true)), ofAnEarlierRelease(), condition("KeptOpenSinceBefore"))
                .wanted()).isTrue();
        NetworkAccess.Decision off = NetworkAccess.decide(cluster(enabled(false)), null, null);
        assertThat(off.wanted()).isFalse();
        assertThat(off.reason()).isEqualTo("DisabledInSpec");
        NetworkAccess.Decision unsetEnabled = NetworkAccess.decide(cluster(enabled(null)), ofAnEarlierRelease(), null);
        assertThat(unsetEnabled.keptOpenSinceBefore()).as("enabled unset counts as unset").isTrue();
    }
}
