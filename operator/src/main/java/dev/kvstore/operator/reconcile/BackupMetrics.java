package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVCluster;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's backup metrics, by namespace and cluster: when the last backup succeeded and failed (Unix
 * seconds; what an alert on a backup too old compares with time()), and how many ended each way.
 */
public final class BackupMetrics {

    static final String LAST_SUCCESS = "kv_operator_backup_last_success_timestamp_seconds";
    static final String LAST_FAILURE = "kv_operator_backup_last_failure_timestamp_seconds";
    static final String TOTAL = "kv_operator_backups_total";

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public BackupMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void succeeded(KVCluster cluster) {
        record(cluster, LAST_SUCCESS, "completed");
    }

    void failed(KVCluster cluster) {
        record(cluster, LAST_FAILURE, "failed");
    }

    private void record(KVCluster cluster, String gauge, String outcome) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        gauges.computeIfAbsent(gauge + "/" + namespace + "/" + name, key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(gauge, value, AtomicLong::get).tag("namespace", namespace).tag("cluster", name)
                    .register(registry);
            return value;
        }).set(System.currentTimeMillis() / 1000);
        registry.counter(TOTAL, "namespace", namespace, "cluster", name, "outcome", outcome).increment();
    }
}
