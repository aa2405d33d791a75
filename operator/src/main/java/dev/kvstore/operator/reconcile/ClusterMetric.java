package dev.kvstore.operator.reconcile;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A gauge per cluster that its pass sets, and that reads NaN once its passes stopped for a few minutes (the
 * cluster was deleted: no pass tells the operator so). The backup alerts join on it, so that a deleted cluster's
 * backups, or a KVBackup naming no cluster, alert nothing: {@value #BACKUP_SCHEDULED} is 1 for a cluster with
 * {@code spec.backup.schedule}, 0 for one without.
 */
final class ClusterMetric {

    static final String BACKUP_SCHEDULED = "kv_operator_cluster_backup_scheduled";
    private static final long FORGOTTEN_AFTER_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final class Value {
        volatile double value;
        volatile long setAtNanos;

        double read() {
            return nanoTime.getAsLong() - setAtNanos < FORGOTTEN_AFTER_NANOS ? value : Double.NaN;
        }
    }

    private final MeterRegistry registry;
    private final String name;
    private final LongSupplier nanoTime;
    private final Map<String, Value> values = new ConcurrentHashMap<>();

    ClusterMetric(MeterRegistry registry, String name, LongSupplier nanoTime) {
        this.registry = registry;
        this.name = name;
        this.nanoTime = nanoTime;
    }

    void set(String namespace, String cluster, double value) {
        Value held = values.computeIfAbsent(namespace + "/" + cluster, key -> {
            Value made = new Value();
            Gauge.builder(name, made, Value::read).tag("namespace", namespace).tag("cluster", cluster)
                    .strongReference(true).register(registry);
            return made;
        });
        held.value = value;
        held.setAtNanos = nanoTime.getAsLong();
    }
}
