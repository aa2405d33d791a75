package dev.kvstore.operator.model;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One backup of a KVCluster into its {@code spec.backup} object storage: {@code kubectl get kvb}. Made by hand
 * (a one-off) or by the cluster's schedule; taken once, then a record of what it holds.
 */
@Group("kvstore.dev")
@Version("v1alpha1")
@ShortNames("kvb")
@Plural("kvbackups")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.cluster", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Store", jsonPath = ".status.store", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Epoch", jsonPath = ".status.epoch", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Offset", jsonPath = ".status.offset", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class KVBackup extends CustomResource<KVBackupSpec, KVBackupStatus> implements Namespaced {

    /** On the KVBackups a cluster's schedule makes: the schedule's retention deletes only those. */
    public static final String SCHEDULED_LABEL = "kvstore.dev/scheduled";

    @Override
    protected KVBackupSpec initSpec() {
        return new KVBackupSpec();
    }

    @Override
    protected KVBackupStatus initStatus() {
        return new KVBackupStatus();
    }
}
