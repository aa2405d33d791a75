package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.BackupSource;
import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVBackup;
import dev.kvstore.operator.model.KVBackupStatus;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Takes each KVBackup once: from a secondary in sync (else the primary, or the store its spec names) into its
 * cluster's object storage, through the same backup code as {@code kv backup}; then its status says what it holds.
 * A backup runs inside its reconcile: JOSDK never runs two reconciles of one KVBackup at once, and backups of
 * other KVBackups, or the clusters' supervision, run on other threads meanwhile.
 */
@ControllerConfiguration(name = "kvbackup")
public class KVBackupReconciler implements Reconciler<KVBackup> {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(KVBackupReconciler.class);
    /** How long a store may take to open its snapshot and send the first bytes. */
    static final Duration BACKUP_CALL_TIMEOUT = Duration.ofSeconds(30);
    /** Before the supervision has passed over the cluster since this operator started, the backup waits this long. */
    private static final Duration WAIT_FOR_SUPERVISION = Duration.ofSeconds(2);

    private final KubernetesClient client;
    private final ClusterAdmins admins;
    private final BackupTargets targets;
    private final BackupMetrics metrics;
    /**
     * Backups this process finished, by uid, until their final status is seen: a reconcile after the last one
     * may still read the Running status from the informer's cache, which must not be taken for a backup the
     * operator stopped in.
     */
    private final Map<String, Finished> finishedHere = new ConcurrentHashMap<>();
    /** How long a finished backup is remembered: its final status is in the cache long before. */
    private static final Duration REMEMBERED = Duration.ofMinutes(10);

    private record Finished(KVBackupStatus status, Instant at) {
    }

    public KVBackupReconciler(KubernetesClient client, ClusterAdmins admins, BackupMetrics metrics) {
        this.client = client;
        this.admins = admins;
        this.targets = new BackupTargets(client);
        this.metrics = metrics;
    }

    @Override
    public UpdateControl<KVBackup> reconcile(KVBackup backup, Context<KVBackup> context) {
        String uid = backup.getMetadata().getUid();
        KVBackupStatus status = backup.getStatus();
        // a KVBackup deleted before its final status was seen leaves its entry: forgotten after a while
        finishedHere.values().removeIf(finished -> finished.at().isBefore(Instant.now().minus(REMEMBERED)));
        if (status != null && status.finished()) {
            finishedHere.remove(uid);
            metrics.seen(backup.getMetadata().getNamespace(), backup.getSpec().getCluster(), status);
            return UpdateControl.noUpdate();
        }
        Finished done = finishedHere.get(uid);
        if (done != null) {
            return finish(backup, done.status());
        }
        if (status != null && KVBackupStatus.RUNNING.equals(status.getPhase())) {
            // reconciles of one KVBackup never overlap, and this process finished none of this one: it was running
            // when an operator stopped. What it uploaded has no manifest, so it is not listed as complete
            return fail(backup, null, "the operator stopped while the backup was taken from " + status.getStore()
                    + "; a backup cut short has no manifest and is not listed (kv backups lists those that are). "
                    + "Make another KVBackup", status.getStartedAt());
        }
        String namespace = backup.getMetadata().getNamespace();
        String clusterName = backup.getSpec().getCluster();
        KVCluster cluster = client.resources(KVCluster.class).inNamespace(namespace).withName(clusterName).get();
        if (cluster == null) {
            return fail(backup, null, "no KVCluster " + clusterName + " in namespace " + namespace, null);
        }
        dev.kvstore.backup.S3Location target;
        try {
            target = targets.of(cluster);
        } catch (IllegalStateException e) {
            return fail(backup, cluster, e.getMessage(), null);
        }
        Optional<AdminClient> admin = admins.lastKnown(cluster, BACKUP_CALL_TIMEOUT);
        if (admin.isEmpty()) {
            return UpdateControl.<KVBackup>noUpdate().rescheduleAfter(WAIT_FOR_SUPERVISION);
        }
        Map<String, String> adminUrls = new LinkedHashMap<>();
        Map<String, NodeStatus> statuses = new LinkedHashMap<>();
        client.pods().inNamespace(namespace).withLabel(KvNames.CLUSTER_LABEL, clusterName).list().getItems().stream()
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
                .forEach(pod -> ask(admin.get(), pod, adminUrls, statuses));
        Optional<BackupSource> source = BackupSource.choose(statuses, backup.getSpec().getStore());
        if (source.isEmpty()) {
            String named = backup.getSpec().getStore();
            return fail(backup, cluster, named != null ? "the store " + named + " does not answer, or can no longer make "
                    + "writes durable (stores that answered: " + String.join(", ", statuses.keySet()) + ")"
                    : "no store of " + clusterName + " answers as primary or as a secondary in sync (stores that "
                    + "answered: " + String.join(", ", statuses.keySet()) + ")", null);
        }
        try (BackupStorage storage = BackupStorage.s3(target)) {
            return take(backup, cluster, admin.get(), source.get(), adminUrls.get(source.get().store()), storage);
        } catch (IllegalArgumentException unreadableCa) {
            return fail(backup, cluster, unreadableCa.getMessage(), null);
        }
    }

    private UpdateControl<KVBackup> take(KVBackup backup, KVCluster cluster, AdminClient admin, BackupSource source,
                                         String adminUrl, BackupStorage storage) {
        String namespace = backup.getMetadata().getNamespace();
        String clusterName = cluster.getMetadata().getName();
        String store = source.store();
        KVBackupStatus running = new KVBackupStatus();
        running.setPhase(KVBackupStatus.RUNNING);
        running.setStore(store);
        running.setStartedAt(Instant.now().toString());
        backup.setStatus(running);
        // the final status goes onto this version: built on the one read before, it would conflict and be retried
        KVBackup marked = client.resource(backup).patchStatus();
        backup.getMetadata().setResourceVersion(marked.getMetadata().getResourceVersion());
        LOG.infof("%s/%s: backup %s from %s into %s", namespace, clusterName, backup.getMetadata().getName(), store,
                storage.describe(""));
        KVBackupStatus outcome;
        try {
            Backups.Manifest manifest = Backups.take(admin, store, adminUrl, storage, source.atLeastOffset());
            outcome = completed(manifest, storage.describe(manifest.name() + Backups.MANIFEST), running.getStartedAt());
            metrics.succeeded(cluster);
            event(backup, "Normal", "BackupCompleted", "backup " + manifest.name() + " of " + store + ": "
                    + manifest.keys() + " keys up to offset " + manifest.offset() + " (epoch " + manifest.epoch() + "), "
                    + manifest.bytes() + " bytes, in " + outcome.getManifest());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("%s/%s: backup %s failed: %s", namespace, clusterName, backup.getMetadata().getName(), e.getMessage());
            outcome = KVBackupStatus.failed(String.valueOf(e.getMessage()), running.getStartedAt());
            outcome.setStore(store);
            metrics.failed(cluster);
            event(backup, "Warning", "BackupFailed", outcome.getMessage());
        }
        finishedHere.put(backup.getMetadata().getUid(), new Finished(outcome, Instant.now()));
        return finish(backup, outcome);
    }

    private static void ask(AdminClient admin, Pod pod, Map<String, String> adminUrls, Map<String, NodeStatus> statuses) {
        String name = pod.getMetadata().getName();
        String url = StoreMember.of(name, pod).adminUrl();
        if (url == null) {
            return;
        }
        adminUrls.put(name, url);
        try {
            statuses.put(name, admin.status(url));
        } catch (IOException down) {
            // not answering: not a candidate
        }
    }

    private static KVBackupStatus completed(Backups.Manifest manifest, String manifestAddress, String startedAt) {
        KVBackupStatus status = new KVBackupStatus();
        status.setPhase(KVBackupStatus.COMPLETED);
        status.setStartedAt(startedAt);
        status.setCompletedAt(Instant.now().toString());
        status.setBackupName(manifest.name());
        status.setManifest(manifestAddress);
        status.setStore(manifest.store());
        status.setEpoch(manifest.epoch());
        status.setOffset(manifest.offset());
        status.setKeys(manifest.keys());
        status.setBytes(manifest.bytes());
        status.setSha256(manifest.sha256());
        status.setMessage("complete: restorable with kv local --restore-from " + manifestAddress);
        return status;
    }

    private UpdateControl<KVBackup> fail(KVBackup backup, KVCluster cluster, String message, String startedAt) {
        LOG.warnf("%s/%s: %s", backup.getMetadata().getNamespace(), backup.getMetadata().getName(), message);
        if (cluster != null) {
            metrics.failed(cluster);
        }
        event(backup, "Warning", "BackupFailed", message);
        KVBackupStatus failed = KVBackupStatus.failed(message, startedAt);
        finishedHere.put(backup.getMetadata().getUid(), new Finished(failed, Instant.now()));
        return finish(backup, failed);
    }

    private static UpdateControl<KVBackup> finish(KVBackup backup, KVBackupStatus status) {
        backup.setStatus(status);
        return UpdateControl.patchStatus(backup);
    }

    /** An Event about the backup; its status says the same. */
    private void event(KVBackup backup, String type, String reason, String message) {
        Events.record(client, backup, "", type, reason, message, Instant.now().toString());
    }
}
