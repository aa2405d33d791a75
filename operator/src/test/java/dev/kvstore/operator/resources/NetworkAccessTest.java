package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a cluster gets its NetworkPolicy: never cutting off the clients of a cluster made before policies. */
class NetworkAccessTest {

    private static KVCluster cluster(KVClusterSpec spec) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName("kv").withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(spec);
        return cluster;
    }

    /** A cluster the operator has marked as made before policies. */
    private static KVCluster marked(KVClusterSpec spec) {
        KVCluster cluster = cluster(spec);
        cluster.getMetadata().setAnnotations(Map.of(NetworkAccess.MADE_BEFORE_ANNOTATION, "x"));
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

    @Test
    void aNewClusterGetsItsPolicy() {
        NetworkAccess.Decision first = NetworkAccess.decide(cluster(new KVClusterSpec()), null, false, true);
        assertThat(first.wanted()).isTrue();
        assertThat(first.reason()).isEqualTo("Applied");
        assertThat(first.message()).contains("kv-network-policy");
        assertThat(first.markMadeBefore()).isFalse();
        NetworkAccess.Decision later = NetworkAccess.decide(cluster(new KVClusterSpec()), ofThisRelease(), false, true);
        assertThat(later.wanted()).isTrue();
        assertThat(later.markMadeBefore()).isFalse();
    }

    @Test
    void aClusterMadeBeforePoliciesIsMarkedAndStaysWithoutOneAndSaysHowToTurnItOn() {
        NetworkAccess.Decision first = NetworkAccess.decide(cluster(new KVClusterSpec()), ofAnEarlierRelease(), false, true);
        assertThat(first.wanted()).isFalse();
        assertThat(first.keptOpenSinceBefore()).isTrue();
        assertThat(first.markMadeBefore()).as("marked before anything of it changes").isTrue();
        assertThat(first.message()).contains("kvstore.dev/client-of=kv").contains("spec.networkPolicy.enabled: true");
        // the update's rolling restart gives it this release's StatefulSet: the mark keeps the decision
        NetworkAccess.Decision after = NetworkAccess.decide(marked(new KVClusterSpec()), ofThisRelease(), false, true);
        assertThat(after.wanted()).isFalse();
        assertThat(after.keptOpenSinceBefore()).isTrue();
        assertThat(after.markMadeBefore()).isFalse();
    }

    @Test
    void turningItOffAndTakingTheStanzaAwayAgainStillKeepsAnOldClusterOpen() {
        assertThat(NetworkAccess.decide(marked(enabled(false)), ofThisRelease(), false, true).reason())
                .isEqualTo("DisabledInSpec");
        assertThat(NetworkAccess.decide(marked(new KVClusterSpec()), ofThisRelease(), false, true).keptOpenSinceBefore())
                .isTrue();
        KVClusterSpec namespacesOnly = new KVClusterSpec();
        namespacesOnly.setNetworkPolicy(new KVClusterSpec.NetworkPolicy());
        namespacesOnly.getNetworkPolicy().setClientNamespaces(java.util.List.of("web"));
        assertThat(NetworkAccess.decide(marked(namespacesOnly), ofThisRelease(), false, true).keptOpenSinceBefore())
                .as("getting ready (namespaces listed) is not turning it on").isTrue();
    }

    @Test
    void theSpecDecidesWhenItSaysSomething() {
        assertThat(NetworkAccess.decide(marked(enabled(true)), ofThisRelease(), false, true).wanted()).isTrue();
        NetworkAccess.Decision off = NetworkAccess.decide(cluster(enabled(false)), null, false, true);
        assertThat(off.wanted()).isFalse();
        assertThat(off.reason()).isEqualTo("DisabledInSpec");
        NetworkAccess.Decision offAndOld = NetworkAccess.decide(cluster(enabled(false)), ofAnEarlierRelease(), false, true);
        assertThat(offAndOld.markMadeBefore()).as("marked whatever the spec says today").isTrue();
    }

    @Test
    void anOperatorThatDoesNotKnowItsPodsMakesNoPolicyThatWouldLockItOutAndRemovesNone() {
        NetworkAccess.Decision decision = NetworkAccess.decide(cluster(enabled(true)), null, false, false);
        assertThat(decision.wanted()).isFalse();
        assertThat(decision.reason()).isEqualTo("OperatorUnknown");
        assertThat(decision.message()).contains("KV_OPERATOR_POD_NAMESPACE");
        assertThat(decision.removesPolicy()).as("a misconfigured operator opens no cluster").isFalse();
        assertThat(NetworkAccess.decide(cluster(enabled(false)), null, false, true).removesPolicy()).isTrue();
    }

    @Test
    void aClusterWithTheOperatorsPolicyIsNotTakenForOneMadeBeforeWhateverItsStatefulSetLooksLike() {
        // an operator rolled back to a release before policies and forward again meets this
        NetworkAccess.Decision decision = NetworkAccess.decide(cluster(new KVClusterSpec()), ofAnEarlierRelease(),
                true, true);
        assertThat(decision.wanted()).isTrue();
        assertThat(decision.markMadeBefore()).isFalse();
    }

    @Test
    void aPolicyOfThatNameMadeBySomeoneElseIsLeftAlone() {
        NetworkAccess.Decision taken = NetworkAccess.nameTaken(cluster(new KVClusterSpec()),
                NetworkAccess.decide(cluster(new KVClusterSpec()), null, false, true));
        assertThat(taken.wanted()).isFalse();
        assertThat(taken.reason()).isEqualTo("NameTaken");
        assertThat(taken.message()).contains("kv-network-policy");
    }
}
