package dev.kvstore.operator.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A replicated key-value store cluster: {@code kubectl get kvc}. */
@Group("kvstore.dev")
@Version("v1alpha1")
@ShortNames("kvc")
@Plural("kvclusters")
// in the order kubectl shows them
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Primary", jsonPath = ".status.primary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Epoch", jsonPath = ".status.epoch", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Writes refused", jsonPath = ".status.conditions[?(@.type=='WritesRefused')].message",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "!has(self.spec) || !has(self.spec.switchover) || !has(self.spec.switchover.targetPod) "
        + "|| self.spec.switchover.targetPod.startsWith(self.metadata.name + '-')",
        message = "spec.switchover.targetPod must name one of this cluster's pods: <cluster name>-<ordinal>")
// the primary's PodDisruptionBudget is <name>-primary and the stores' one <name>: a cluster named x-primary beside
// a cluster x would share a budget (the objects of other kinds have suffixes that cannot meet)
// (on create only: a cluster made before the rule keeps its status writes)
@ValidationRule(value = "oldSelf.hasValue() || !self.metadata.name.endsWith('-primary')", optionalOldSelf = true,
        message = "a KVCluster's name may not end in -primary: its PodDisruptionBudget would bear the name of the "
                + "primary's budget of the cluster named without it")
public class KVCluster extends CustomResource<KVClusterSpec, KVClusterStatus> implements Namespaced {

    @Override
    protected KVClusterSpec initSpec() {
        return new KVClusterSpec();
    }

    @Override
    protected KVClusterStatus initStatus() {
        return new KVClusterStatus();
    }
}
