package dev.kvstore.operator.reconcile;

import dev.kvstore.operator.model.KVBackupStatus;
import dev.kvstore.operator.model.KVCluster;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's backup metrics, by namespace and cluster: when the last backup succeeded and failed (Unix
 * seconds; what an alert on a backup too old compares with time()), and how many ended each way. The times are
 * also taken from the KVBackups' status as they are reconciled, so that an operator restarted (or a new
 * leader) knows the last backups of before it, not only those it took.
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

    /** A finished KVBackup seen (one of before this process, say): its time raises the gauge, counted nowhere. */
    void seen(String namespace, String cluster, KVBackupStatus status) {
        if (status == null || !status.finished() || status.getCompletedAt() == null || cluster == null) {
            return;
        }
        long at;
        try {
            at = Instant.parse(status.getCompletedAt()).getEpochSecond();
        } catch (DateTimeParseException e) {
            return;
        }
        gauge(KVBackupStatus.COMPLETED.equals(status.getPhase()) ? LAST_SUCCESS : LAST_FAILURE, namespace, cluster)
                .accumulateAndGet(at, Math::max);
    }

    private void record(KVCluster cluster, String gauge, String outcome) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        gauge(gauge, namespace, name).accumulateAndGet(System.currentTimeMillis() / 1000, Math::max);
        registry.counter(TOTAL, "namespace", namespace, "cluster", name, "outcome", outcome).increment();
    }

    private AtomicLong gauge(String gauge, String namespace, String cluster) {
        return gauges.computeIfAbsent(gauge + "/" + namespace + "/" + cluster, key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(gauge, value, AtomicLong::get).tag("namespace", namespace).tag("cluster", cluster)
                    .register(registry);
            return value;
        });
    }
}
