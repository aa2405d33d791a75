package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.operator.backup.BackupRetention;
import dev.kvstore.operator.backup.CronSchedule;
import dev.kvstore.operator.model.BackupConfig;
import dev.kvstore.operator.model.KVBackup;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVBackupStatus;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A cluster's {@code spec.backup.schedule}: makes a KVBackup {@code <cluster>-<yyyyMMddHHmmss>} when a time of it
 * has come (the KVBackup reconciler takes it), and keeps {@code keepLast} complete ones, deleting older ones from
 * the object storage and then their KVBackup. Retention talks to the object storage, so it runs on a thread of its
 * own: a slow storage must never hold up the pass that keeps the cluster's primary.
 */
final class BackupScheduleKeeper {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BackupScheduleKeeper.class);
    private static final DateTimeFormatter NAME_STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final KubernetesClient client;
    private final BackupTargets targets;
    private final ExecutorService retention = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "kv-backup-retention");
        thread.setDaemon(true);
        return thread;
    });
    /**
     * By cluster, the KVBackups retention last kept because a restore uses them: left out of the next passes'
     * retention until it runs again for another (a restore lasts minutes, a pass a second).
     */
    private final Map<String, Set<String>> keptInUse = new ConcurrentHashMap<>();

    private static String key(KVCluster cluster) {
        return cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
    }

    /** Clusters whose retention is queued or running: one at a time each. */
    private final Set<String> retaining = ConcurrentHashMap.newKeySet();

    BackupScheduleKeeper(KubernetesClient client) {
        this.client = client;
        this.targets = new BackupTargets(client);
    }

    /** The name of the KVBackup the schedule makes for its time {@code due}. */
    static String backupName(String cluster, Instant due) {
        return cluster + "-" + NAME_STAMP.format(due);
    }

    /**
     * One pass: the backup due now, if any (recorded in the status as the last scheduled time), and retention.
     * Answers a problem with the schedule for the cluster's condition, or null.
     */
    String keep(KVCluster cluster, Collection<KVBackup> backups, Instant now) {
        BackupConfig config = cluster.getSpec().getBackup();
        if (config == null || config.getSchedule() == null) {
            return null;
        }
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(config.getSchedule());
        } catch (IllegalArgumentException e) {
            return "spec.backup.schedule: " + e.getMessage();
        }
        String last = cluster.getStatus().getLastScheduledBackup();
        Instant since = parsedOrNull(last);
        String recorded = cluster.getStatus().getBackupSchedule();
        // null: a status of the release before this field (or a CRD not yet updated, which drops it): the same
        if (since == null || (recorded != null && !config.getSchedule().equals(recorded))) {
            // a schedule starts when it is first seen (or changed), as a new CronJob does: no backup for the times
            // before it
            cluster.getStatus().setLastScheduledBackup(now.toString());
            cluster.getStatus().setBackupSchedule(config.getSchedule());
            return null;
        }
        cluster.getStatus().setBackupSchedule(config.getSchedule());
        Optional<Instant> due = schedule.latestDue(since, now);
        if (due.isPresent()) {
            make(cluster, due.get());
            cluster.getStatus().setLastScheduledBackup(due.get().toString());
        }
        List<KVBackup> scheduled = backups.stream()
                .filter(b -> cluster.getMetadata().getName().equals(b.getSpec().getCluster()))
                .filter(b -> b.getMetadata().getLabels() != null
                        && "true".equals(b.getMetadata().getLabels().get(KVBackup.SCHEDULED_LABEL)))
                .toList();
        List<String> expired = BackupRetention.toDelete(scheduled.stream().map(b -> new BackupRetention.Entry(
                b.getMetadata().getName(), b.getMetadata().getCreationTimestamp(),
                b.getStatus() != null && KVBackupStatus.COMPLETED.equals(b.getStatus().getPhase()),
                b.getStatus() != null && KVBackupStatus.FAILED.equals(b.getStatus().getPhase()))).toList(),
                config.getKeepLast() == null ? 7 : config.getKeepLast());
        Set<String> stillInUse = keptInUse.getOrDefault(key(cluster), Set.of());
        expired = expired.stream().filter(name -> !stillInUse.contains(name)).toList();
        if (!expired.isEmpty()) {
            Map<String, KVBackup> byName = new java.util.HashMap<>();
            scheduled.forEach(b -> byName.put(b.getMetadata().getName(), b));
            String key = key(cluster);
            if (retaining.add(key)) {
                List<KVBackup> toDelete = expired.stream().map(byName::get).toList();
                retention.submit(() -> {
                    try {
                        delete(cluster, toDelete);
                    } finally {
                        retaining.remove(key);
                    }
                });
            }
        }
        return null;
    }

    private static Instant parsedOrNull(String time) {
        try {
            return time == null ? null : Instant.parse(time);
        } catch (java.time.format.DateTimeParseException edited) {
            return null;
        }
    }

    private void make(KVCluster cluster, Instant due) {
        KVBackup backup = new KVBackup();
        backup.getMetadata().setName(backupName(cluster.getMetadata().getName(), due));
        backup.getMetadata().setNamespace(cluster.getMetadata().getNamespace());
        backup.getMetadata().setLabels(Map.of(KvNames.CLUSTER_LABEL, cluster.getMetadata().getName(),
                KVBackup.SCHEDULED_LABEL, "true"));
        // deleted with the cluster (the objects in the storage are not)
        backup.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(cluster.getApiVersion())
                .withKind(cluster.getKind()).withName(cluster.getMetadata().getName())
                .withUid(cluster.getMetadata().getUid()).build()));
        backup.getSpec().setCluster(cluster.getMetadata().getName());
        try {
            client.resource(backup).create();
            LOG.infof("%s/%s: scheduled backup %s (%s)", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), backup.getMetadata().getName(), due);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e; // 409: made by a pass before whose status was not written; as good
            }
        }
    }

    /**
     * The manifest first (then it is no longer listed as complete), then the snapshot, then the record. Never a
     * backup that a cluster of the namespace is being restored from (its pods may still fetch it).
     */
    private void delete(KVCluster cluster, List<KVBackup> expired) {
        Set<String> kept = new java.util.HashSet<>();
        try (BackupStorage storage = BackupStorage.s3(targets.of(cluster))) {
            Set<String> inUse = client.resources(KVCluster.class).inNamespace(cluster.getMetadata().getNamespace()).list()
                    .getItems().stream().filter(c -> c.getStatus() != null && c.getStatus().getRestore() != null
                            && KVClusterStatus.Restore.RESTORING.equals(c.getStatus().getRestore().getPhase()))
                    .map(c -> c.getStatus().getRestore().getBackupName()).collect(java.util.stream.Collectors.toSet());
            for (KVBackup backup : expired) {
                String name = backup.getStatus() == null ? null : backup.getStatus().getBackupName();
                if (name != null && inUse.contains(name)) {
                    LOG.infof("%s/%s: backup %s kept past spec.backup.keepLast while a cluster is restored from it",
                            cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), name);
                    kept.add(backup.getMetadata().getName());
                    continue;
                }
                if (name != null) {
                    storage.delete(name + Backups.MANIFEST);
                    storage.delete(name + Backups.SNAPSHOT);
                }
                client.resource(backup).delete();
                LOG.infof("%s/%s: backup %s deleted (spec.backup.keepLast)", cluster.getMetadata().getNamespace(),
                        cluster.getMetadata().getName(), backup.getMetadata().getName());
            }
        } catch (Exception e) {
            // the next pass tries again
            LOG.warnf("%s/%s: retention of scheduled backups failed: %s", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), e.getMessage());
        }
        keptInUse.put(key(cluster), Set.copyOf(kept));
    }
}
