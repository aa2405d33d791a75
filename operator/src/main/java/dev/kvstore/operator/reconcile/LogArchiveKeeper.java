package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.LogArchiver;
import dev.kvstore.backup.S3Location;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.operator.model.BackupConfig;
import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code spec.backup.archiveEverySeconds}: the primary's committed log archived beside the backups
 * ({@link LogArchiver}), so that a new cluster can be restored to a point in time. Each cluster's rounds run on a
 * thread of their own, one at a time, never in the pass that keeps the primary (a slow storage must not hold it
 * up). Segments that only backups deleted since would need go with them: those ending at or before the oldest
 * complete backup's offset. Metric {@value #ARCHIVED_THROUGH}: the time through which the archive is complete
 * (now minus it is how long a write waits to be archived); condition {@value #CONDITION}.
 */
final class LogArchiveKeeper {

    static final String CONDITION = "LogArchived";
    static final String ARCHIVED_THROUGH = "kv_operator_log_archived_through_timestamp_seconds";
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LogArchiveKeeper.class);
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(5);

    /** What the pass puts in the cluster's condition: whether the last round went well, and what it says. */
    record Report(boolean ok, String reason, String message) {
    }

    /** One cluster's archive: its archiver (which knows the archive's segments), its storage, its last round. */
    private static final class Archive {
        final S3Location location;
        final BackupStorage storage;
        final LogArchiver archiver;
        final AtomicBoolean running = new AtomicBoolean();
        volatile Instant nextRound = Instant.EPOCH;
        volatile Instant nextPrune = Instant.EPOCH;
        volatile Report report;
        /** How far the archive is complete, as the last round left it (0: not yet). */
        volatile long throughMillis;
        /** The last pass that asked for this archive: one of a cluster deleted since is let go after a while. */
        volatile Instant seen = Instant.now();
        volatile String trouble;

        Archive(S3Location location, AdminClient admin) {
            this.location = location;
            this.storage = BackupStorage.s3(location);
            this.archiver = new LogArchiver(storage, admin);
        }
    }

    private final KubernetesClient client;
    private final BackupTargets targets;
    private final MeterRegistry metrics;
    private final Map<String, Archive> archives = new ConcurrentHashMap<>();
    /** Set by every pass from the archive's last round: NaN once the cluster is gone (no pass sets it). */
    private final ClusterMetric archivedThrough;
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "kv-log-archive");
        thread.setDaemon(true);
        return thread;
    });

    LogArchiveKeeper(KubernetesClient client, MeterRegistry metrics) {
        this.client = client;
        this.targets = new BackupTargets(client);
        this.metrics = metrics;
        this.archivedThrough = new ClusterMetric(metrics, ARCHIVED_THROUGH, System::nanoTime);
    }

    /**
     * One pass: a round due for this cluster is started on the archive's thread (the primary its status names, asked
     * with {@code admin}); answers what the condition says now, or null when the cluster archives nothing.
     */
    Report keep(KVCluster cluster, List<Pod> pods, Optional<AdminClient> admin) {
        String key = cluster.getMetadata().getUid();
        BackupConfig backup = cluster.getSpec().getBackup();
        int every = backup == null || backup.getArchiveEverySeconds() == null ? 0 : backup.getArchiveEverySeconds();
        if (backup == null || every <= 0) {
            forget(key);
            return null;
        }
        S3Location location;
        try {
            location = targets.of(cluster);
        } catch (RuntimeException missing) {
            return new Report(false, "NoStorage", missing.getMessage());
        }
        if (admin.isEmpty()) {
            return new Report(false, "Waiting", "the log is archived once the operator has supervised the cluster");
        }
        letGoOfDeleted();
        Archive archive = archives.compute(key, (k, known) -> {
            if (known != null && known.location.equals(location)) {
                return known;
            }
            if (known != null) {
                known.storage.close();
            }
            return new Archive(location, admin.get());
        });
        archive.seen = Instant.now();
        String primary = cluster.getStatus().getPrimary();
        Pod primaryPod = primary == null ? null : pods.stream().filter(pod -> primary.equals(pod.getMetadata().getName()))
                .findFirst().orElse(null);
        Instant now = Instant.now();
        if (primaryPod != null && !now.isBefore(archive.nextRound) && archive.running.compareAndSet(false, true)) {
            archive.nextRound = now.plusSeconds(every);
            String adminUrl = StoreMember.of(primary, primaryPod).adminUrl();
            String namespace = cluster.getMetadata().getNamespace();
            String name = cluster.getMetadata().getName();
            KVCluster about = cluster;
            rounds.execute(() -> round(archive, about, namespace, name, adminUrl));
        }
        if (archive.throughMillis > 0) {
            archivedThrough.set(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(),
                    archive.throughMillis / 1000.0);
        }
        Report report = archive.report;
        return report != null ? report : new Report(false, "Starting", "the first round of archiving is under way");
    }

    private void round(Archive archive, KVCluster cluster, String namespace, String name, String adminUrl) {
        try {
            LogArchiver.Round round = archive.archiver.archive(adminUrl);
            if (round.trouble() != null && !round.trouble().equals(archive.trouble)) {
                LOG.warnf("%s/%s: log archive: %s", namespace, name, round.trouble());
                Events.record(client, cluster, "archive-", "Warning", "LogArchiveGap", round.trouble(),
                        Instant.now().toString());
            }
            archive.trouble = round.trouble();
            archive.throughMillis = round.throughMillis();
            archive.report = new Report(true, "Archived", round.throughMillis() == 0
                    ? "archived up to offset " + round.last() + "; not yet complete through any time"
                    : "complete through " + Instant.ofEpochMilli(round.throughMillis()) + " (offset " + round.last() + ")");
            if (!Instant.now().isBefore(archive.nextPrune)) {
                archive.nextPrune = Instant.now().plus(PRUNE_EVERY);
                int pruned = archive.archiver.prune();
                LOG.debugf("%s/%s: %d archived segments no backup needs deleted", namespace, name, pruned);
            }
        } catch (IOException | RuntimeException failed) {
            archive.report = new Report(false, "ArchiveFailed", "the primary's log could not be archived: "
                    + failed.getMessage());
            LOG.debugf("%s/%s: log archive round: %s", namespace, name, failed.getMessage());
        } finally {
            archive.running.set(false);
        }
    }



    /** Archives no pass asked for in ten minutes (their cluster deleted): their storage clients go. */
    private void letGoOfDeleted() {
        Instant before = Instant.now().minus(Duration.ofMinutes(10));
        archives.entrySet().removeIf(entry -> {
            boolean gone = entry.getValue().seen.isBefore(before) && !entry.getValue().running.get();
            if (gone) {
                entry.getValue().storage.close();
            }
            return gone;
        });
    }

    /** The cluster archives no more (or is gone): its storage client goes. */
    void forget(String uid) {
        Archive archive = archives.remove(uid);
        if (archive != null) {
            archive.storage.close();
        }
    }
}
