package dev.kvstore.operator.reconcile;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each certificate in force expires (Unix seconds), by namespace, cluster and the Secret it is in: what the
 * alert on a certificate about to expire compares with time(). The operator renews its own before that; the
 * alert says it did not (or that the user's, cert-manager's say, was not).
 */
final class CertificateMetrics {

    static final String EXPIRY = "kv_operator_certificate_expiry_timestamp_seconds";

    private final MeterRegistry registry;
    /** By namespace/cluster, then Secret: a Secret no longer in force has its gauge removed. */
    private final Map<String, Map<String, Gauge>> gauges = new ConcurrentHashMap<>();
    private final Map<Gauge, AtomicLong> values = new ConcurrentHashMap<>();
    private final Map<String, Long> reportedAt = new ConcurrentHashMap<>();
    private static final long FORGOTTEN_AFTER_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    CertificateMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** @param expirations the cluster's certificates in force, by Secret (empty: TLS off) */
    void report(String namespace, String cluster, Map<String, Instant> expirations) {
        String key = namespace + "/" + cluster;
        long now = System.nanoTime();
        reportedAt.put(key, now);
        // a cluster deleted (its passes ended) must not alert months later: gone after minutes without a report
        reportedAt.entrySet().removeIf(entry -> {
            if (now - entry.getValue() < FORGOTTEN_AFTER_NANOS) {
                return false;
            }
            Map<String, Gauge> stale = gauges.remove(entry.getKey());
            if (stale != null) {
                stale.values().forEach(this::remove);
            }
            return true;
        });
        Map<String, Gauge> ofCluster = gauges.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
        ofCluster.entrySet().removeIf(entry -> {
            if (expirations.containsKey(entry.getKey())) {
                return false;
            }
            remove(entry.getValue());
            return true;
        });
        expirations.forEach((secret, notAfter) -> {
            Gauge gauge = ofCluster.computeIfAbsent(secret, s -> {
                AtomicLong value = new AtomicLong();
                Gauge made = Gauge.builder(EXPIRY, value, AtomicLong::get).tag("namespace", namespace)
                        .tag("cluster", cluster).tag("secret", secret).register(registry);
                values.put(made, value);
                return made;
            });
            values.get(gauge).set(notAfter.getEpochSecond());
        });
    }

    private void remove(Gauge gauge) {
        registry.remove(gauge);
        values.remove(gauge);
    }
}
