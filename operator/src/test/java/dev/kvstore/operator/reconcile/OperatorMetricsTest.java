package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.Tools;
import dev.kvstore.operator.model.KVBackupStatus;
import dev.kvstore.operator.model.KVCluster;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The operator's metrics, as Prometheus scrapes them: what the chart's alerts use, with the labels they group by. */
class OperatorMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private static KVCluster cluster() {
        KVCluster cluster = new KVCluster();
        cluster.getMetadata().setName("kv");
        cluster.getMetadata().setNamespace("apps");
        return cluster;
    }

    @Test
    void every_operator_metric_the_charts_alerts_use_is_served_with_the_labels_they_group_by() throws Exception {
        BackupMetrics backups = new BackupMetrics(registry);
        backups.succeeded(cluster());
        backups.failed(cluster());
        new CertificateMetrics(registry).report("apps", "kv", Map.of("kv-tls", Instant.parse("2027-03-01T00:00:00Z")));
        new ClusterMetric(registry, ClusterMetric.BACKUP_SCHEDULED, System::nanoTime).set("apps", "kv", 1);
        // what LogArchiveKeeper sets each pass
        new ClusterMetric(registry, LogArchiveKeeper.ARCHIVED_THROUGH, System::nanoTime).set("apps", "kv", 1.7966e9);
        String scraped = registry.scrape();

        Set<String> used = new TreeSet<>();
        Matcher names = Pattern.compile("\\bkv_operator_[a-z_]+").matcher(
                Tools.helmTemplate("kv-system", "monitoring.prometheusRule.enabled=true"));
        while (names.find()) {
            used.add(names.group());
        }
        assertThat(used).as("operator metrics in the chart's alerts").hasSizeGreaterThanOrEqualTo(3);
        for (String name : used) {
            assertThat(scraped).as(name).containsPattern("(?m)^" + name + "\\{[^}]*cluster=\"kv\"[^}]*namespace=\"apps\"");
        }
        assertThat(scraped).containsPattern("(?m)^kv_operator_certificate_expiry_timestamp_seconds\\{[^}]*secret=\"kv-tls\""
                + "[^}]*} 1\\.8038592E9$");
    }

    @Test
    void backup_times_come_from_the_kvbackups_too_so_that_a_restarted_operator_knows_them() {
        BackupMetrics backups = new BackupMetrics(registry);
        KVBackupStatus completed = new KVBackupStatus();
        completed.setPhase(KVBackupStatus.COMPLETED);
        completed.setCompletedAt("2026-12-06T10:00:00Z");
        KVBackupStatus older = new KVBackupStatus();
        older.setPhase(KVBackupStatus.COMPLETED);
        older.setCompletedAt("2026-12-05T10:00:00Z");

        backups.seen("apps", "kv", completed);
        backups.seen("apps", "kv", older);

        assertThat(registry.get(BackupMetrics.LAST_SUCCESS).tag("cluster", "kv").gauge().value())
                .as("the newest, whatever the order seen").isEqualTo(Instant.parse("2026-12-06T10:00:00Z").getEpochSecond());
        assertThat(registry.find(BackupMetrics.TOTAL).counters()).as("seen, not counted").isEmpty();
    }

    @Test
    void a_cluster_whose_passes_stopped_reads_nan_after_ten_minutes_which_no_alert_compares_true() {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong();
        CertificateMetrics certificates = new CertificateMetrics(registry, clock::get);
        ClusterMetric scheduled = new ClusterMetric(registry, ClusterMetric.BACKUP_SCHEDULED, clock::get);
        certificates.report("apps", "gone", Map.of("gone-tls", Instant.ofEpochSecond(1000)));
        scheduled.set("apps", "gone", 1);
        clock.addAndGet(java.util.concurrent.TimeUnit.MINUTES.toNanos(9));

        assertThat(registry.get(CertificateMetrics.EXPIRY).tag("cluster", "gone").gauge().value()).isEqualTo(1000);
        assertThat(registry.get(ClusterMetric.BACKUP_SCHEDULED).tag("cluster", "gone").gauge().value()).isEqualTo(1);
        clock.addAndGet(java.util.concurrent.TimeUnit.MINUTES.toNanos(2));
        assertThat(registry.get(CertificateMetrics.EXPIRY).tag("cluster", "gone").gauge().value()).isNaN();
        assertThat(registry.get(ClusterMetric.BACKUP_SCHEDULED).tag("cluster", "gone").gauge().value()).isNaN();
    }

    @Test
    void a_certificate_no_longer_in_force_has_its_gauge_removed() {
        CertificateMetrics certificates = new CertificateMetrics(registry);
        certificates.report("apps", "kv", Map.of("kv-tls", Instant.EPOCH, "users-cert", Instant.EPOCH));
        certificates.report("apps", "kv", Map.of("kv-tls", Instant.EPOCH));

        assertThat(registry.find(CertificateMetrics.EXPIRY).gauges()).hasSize(1)
                .allSatisfy(g -> assertThat(g.getId().getTag("secret")).isEqualTo("kv-tls"));
    }
}
