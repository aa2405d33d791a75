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
        /** The admin client of the latest pass: the cluster's secret and the operator's certificate rotate. */
        volatile AdminClient admin;
        /** The last pass that asked for this archive: one of a cluster deleted since is let go after a while. */
        volatile Instant seen = Instant.now();
        /** The kind of the last trouble an Event was made for, so that a lasting one makes one Event. */
        volatile String troubleKind;

        Archive(S3Location location, String owner) {
            this.location = location;
            this.storage = BackupStorage.s3(location);
            this.archiver = new LogArchiver(storage, owner);
        }
    }

    private final KubernetesClient client;
    private final BackupTargets targets;
    private final Map<String, Archive> archives = new ConcurrentHashMap<>();
    /** By cluster uid: how far its archive was last known complete, whatever became of the Archive object. */
    private final Map<String, Long> throughMillis = new ConcurrentHashMap<>();
    /** Set by every pass of a cluster that archives (0: not known complete through any time); NaN once it is gone. */
    private final ClusterMetric archivedThrough;
    /** One thread for every cluster's rounds: a round is a few calls, each bounded by the call timeout. */
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "kv-log-archive");
        thread.setDaemon(true);
        return thread;
    });

    LogArchiveKeeper(KubernetesClient client, MeterRegistry metrics) {
        this.client = client;
        this.targets = new BackupTargets(client);
        this.archivedThrough = new ClusterMetric(metrics, ARCHIVED_THROUGH, System::nanoTime);
    }

    /**
     * One pass: a round due for this cluster is started on the archive's thread (the primary its status names, asked
     * with the admin client {@code admins} gives, read only when the cluster archives); answers what the condition
     * says now, or null when the cluster archives nothing.
     */
    Report keep(KVCluster cluster, List<Pod> pods, java.util.function.Supplier<Optional<AdminClient>> admins) {
        String key = cluster.getMetadata().getUid();
        BackupConfig backup = cluster.getSpec().getBackup();
        int every = backup == null || backup.getArchiveEverySeconds() == null ? 0 : backup.getArchiveEverySeconds();
        if (backup == null || every <= 0) {
            forget(key);
            return null;
        }
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        // every pass, whatever happens below: an archive that never got going (no storage, refused) alerts too
        archivedThrough.set(namespace, name, throughMillis.getOrDefault(key, 0L) / 1000.0);
        S3Location location;
        try {
            location = targets.of(cluster);
        } catch (RuntimeException missing) {
            return new Report(false, "NoStorage", missing.getMessage());
        }
        letGoOfDeleted();
        Archive archive = archives.compute(key, (k, known) -> {
            if (known != null && known.location.equals(location)) {
                return known;
            }
            if (known != null) {
                known.storage.close();
            }
            return new Archive(location, key);
        });
        archive.seen = Instant.now();
        String primary = cluster.getStatus().getPrimary();
        Pod primaryPod = primary == null ? null : pods.stream().filter(pod -> primary.equals(pod.getMetadata().getName()))
                .findFirst().orElse(null);
        Instant now = Instant.now();
        if (primaryPod != null && !now.isBefore(archive.nextRound) && archive.running.compareAndSet(false, true)) {
            // read when a round is due only (each is a client of its own)
            Optional<AdminClient> admin = admins.get();
            if (admin.isEmpty()) {
                archive.running.set(false);
                return new Report(false, "Waiting", "the log is archived once the operator has supervised the cluster");
            }
            archive.admin = admin.get();
            archive.nextRound = now.plusSeconds(every);
            String adminUrl = StoreMember.of(primary, primaryPod).adminUrl();
            KVCluster about = cluster;
            rounds.execute(() -> round(archive, about, key, adminUrl));
        }
        Report report = archive.report;
        return report != null ? report : new Report(false, "Starting", "the first round of archiving is under way");
    }

    private void round(Archive archive, KVCluster cluster, String uid, String adminUrl) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        try {
            LogArchiver.Round round = archive.archiver.archive(archive.admin, adminUrl);
            String kind = round.trouble() == null ? null : round.trouble().split(": ", 2)[0];
            if (kind != null && !kind.equals(archive.troubleKind)) {
                LOG.warnf("%s/%s: log archive: %s", namespace, name, round.trouble());
                Events.record(client, cluster, "archive-", "Warning", round.stuck() ? "LogArchiveStuck" : "LogArchiveGap",
                        round.trouble(), Instant.now().toString());
            }
            archive.troubleKind = kind;
            if (round.throughMillis() > 0) {
                throughMillis.put(uid, round.throughMillis());
            }
            archive.report = round.stuck() ? new Report(false, "ArchiveStuck", round.trouble())
                    : new Report(true, "Archived", round.throughMillis() == 0
                    ? "archived up to offset " + round.last() + "; not yet complete through any time"
                    : "complete through " + Instant.ofEpochMilli(round.throughMillis()) + " (offset " + round.last() + ")");
        } catch (IOException | RuntimeException failed) {
            archive.report = new Report(false, "ArchiveFailed", "the primary's log could not be archived: "
                    + failed.getMessage());
            LOG.debugf("%s/%s: log archive round: %s", namespace, name, failed.getMessage());
        } finally {
            archive.running.set(false);
        }
        if (!Instant.now().isBefore(archive.nextPrune)) {
            archive.nextPrune = Instant.now().plus(PRUNE_EVERY);
            try {
                int pruned = archive.archiver.prune();
                LOG.debugf("%s/%s: %d archived segments no backup needs deleted", namespace, name, pruned);
            } catch (IOException | RuntimeException failed) {
                // tried again in 5 minutes; the archive itself went well or said so above
                LOG.warnf("%s/%s: archived segments no backup needs were not deleted: %s", namespace, name,
                        failed.getMessage());
            }
        }
    }

    /** Archives no pass asked for in ten minutes (their cluster deleted): their storage clients go. */
    private void letGoOfDeleted() {
        Instant before = Instant.now().minus(Duration.ofMinutes(10));
        archives.entrySet().removeIf(entry -> {
            boolean gone = entry.getValue().seen.isBefore(before) && !entry.getValue().running.get();
            if (gone) {
                entry.getValue().storage.close();
                throughMillis.remove(entry.getKey());
            }
            return gone;
        });
    }

    /** The cluster archives no more (or is gone): its storage client goes. */
    void forget(String uid) {
        throughMillis.remove(uid);
        Archive archive = archives.remove(uid);
        if (archive != null) {
            archive.storage.close();
        }
    }
}
