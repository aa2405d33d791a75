package dev.kvstore.operator.reconcile;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A gauge per cluster that its pass sets ({@link ReportedValue}: NaN once the cluster is gone). The backup alerts
 * join on {@value #BACKUP_SCHEDULED}, so that a deleted cluster's backups, or a KVBackup naming no cluster, alert
 * nothing: 1 for a cluster with {@code spec.backup.schedule}, 0 for one without.
 */
final class ClusterMetric {

    static final String BACKUP_SCHEDULED = "kv_operator_cluster_backup_scheduled";

    private final MeterRegistry registry;
    private final String name;
    private final LongSupplier nanoTime;
    private final Map<String, ReportedValue> values = new ConcurrentHashMap<>();

    ClusterMetric(MeterRegistry registry, String name, LongSupplier nanoTime) {
        this.registry = registry;
        this.name = name;
        this.nanoTime = nanoTime;
    }

    void set(String namespace, String cluster, double value) {
        values.computeIfAbsent(namespace + "/" + cluster, key -> {
            ReportedValue made = new ReportedValue(nanoTime);
            Gauge.builder(name, made, ReportedValue::read).tag("namespace", namespace).tag("cluster", cluster)
                    .strongReference(true).register(registry);
            return made;
        }).set(value);
    }
}
