package dev.kvstore.operator.reconcile;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * When each certificate in force expires (Unix seconds), by namespace, cluster and the Secret it is in: what the
 * alert on a certificate about to expire compares with time(). The operator renews its own before that; the
 * alert says it did not (or that the user's, cert-manager's say, was not). A deleted cluster's read NaN after a
 * few minutes ({@link ReportedValue}).
 */
final class CertificateMetrics {

    static final String EXPIRY = "kv_operator_certificate_expiry_timestamp_seconds";

    private record Expiry(Gauge gauge, ReportedValue value) {
    }

    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    /** By "namespace/cluster", then Secret: a Secret no longer in force has its gauge removed. */
    private final Map<String, Map<String, Expiry>> byCluster = new HashMap<>();

    CertificateMetrics(MeterRegistry registry) {
        this(registry, System::nanoTime);
    }

    CertificateMetrics(MeterRegistry registry, LongSupplier nanoTime) {
        this.registry = registry;
        this.nanoTime = nanoTime;
    }

    /** @param expirations the cluster's certificates in force, by Secret (empty: TLS off) */
    synchronized void report(String namespace, String cluster, Map<String, Instant> expirations) {
        Map<String, Expiry> ofCluster = byCluster.computeIfAbsent(namespace + "/" + cluster, key -> new HashMap<>());
        ofCluster.entrySet().removeIf(entry -> {
            if (expirations.containsKey(entry.getKey())) {
                return false;
            }
            registry.remove(entry.getValue().gauge());
            return true;
        });
        expirations.forEach((secret, notAfter) -> ofCluster.computeIfAbsent(secret, s -> {
            ReportedValue value = new ReportedValue(nanoTime);
            return new Expiry(Gauge.builder(EXPIRY, value, ReportedValue::read).tag("namespace", namespace)
                    .tag("cluster", cluster).tag("secret", secret).strongReference(true).register(registry), value);
        }).value().set(notAfter.getEpochSecond()));
    }
}
