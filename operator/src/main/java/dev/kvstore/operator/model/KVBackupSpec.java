package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Which cluster to back up, and optionally from which of its stores. Immutable: a backup is taken once. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "a KVBackup's spec cannot change: it is taken once; make another")
@ValidationRule(value = "!has(self.store) || self.store.startsWith(self.cluster + '-')",
        message = "spec.store must name one of the cluster's pods: <cluster name>-<ordinal>")
public class KVBackupSpec {

    @JsonPropertyDescription("The KVCluster in this namespace; its spec.backup says where the backup goes.")
    @Required
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    private String cluster;

    @JsonPropertyDescription("The store pod to take it from. Unset: a secondary that applied all the primary "
            + "committed (the primary's writes do not pause), else the primary.")
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    private String store;

    public String getCluster() {
        return cluster;
    }

    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }
}
