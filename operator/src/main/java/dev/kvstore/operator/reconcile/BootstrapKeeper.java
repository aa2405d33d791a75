package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.backup.S3Location;
import dev.kvstore.operator.model.Bootstrap;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.RestoreFromBackup;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * {@code spec.bootstrap.fromBackup}: a new cluster restored from a backup. Before the StatefulSet exists, the backup
 * is found (named, or the newest complete one there) and what its manifest says goes into {@code status.restore};
 * an address to fetch its snapshot goes into Secret {@code <name>-restore} for the pods' init container. Once the
 * first primary takes writes (in an epoch after the backup's) the address is removed from the Secret and the
 * restore is done.
 */
final class BootstrapKeeper {

    static final String CONDITION = "Restored";
    /** S3's longest for a presigned address: the pods must have fetched the backup by then. */
    static final Duration FETCH_WINDOW = Duration.ofDays(7);

    /**
     * What this pass does about the restore.
     *
     * @param backupName    the backup the StatefulSet's pods restore from; null: none
     * @param waits         the cluster is not made yet (the backup is not found): no StatefulSet this pass
     * @param problem       why, for condition Restored; null when nothing is wrong
     */
    record Decision(String backupName, boolean waits, String problem) {
        static final Decision NONE = new Decision(null, false, null);
    }

    private final KubernetesClient client;
    private final BackupTargets targets;

    BootstrapKeeper(KubernetesClient client) {
        this.client = client;
        this.targets = new BackupTargets(client);
    }

    private static Bootstrap.FromBackup fromBackup(KVCluster cluster) {
        Bootstrap bootstrap = cluster.getSpec().getBootstrap();
        return bootstrap == null ? null : bootstrap.getFromBackup();
    }

    /** Before the StatefulSet is applied. */
    Decision prepare(KVCluster cluster, StatefulSet running) {
        Bootstrap.FromBackup from = fromBackup(cluster);
        if (from == null) {
            return Decision.NONE;
        }
        KVClusterStatus.Restore restore = cluster.getStatus().getRestore();
        if (restore == null) {
            if (running != null) {
                // the API server refuses spec.bootstrap on a cluster that exists; a StatefulSet made by hand, or by an
                // operator before this one, is not restored over
                return new Decision(null, false, "the StatefulSet " + running.getMetadata().getName() + " exists: a "
                        + "backup is restored into a new cluster only, never in place");
            }
            try {
                cluster.getStatus().setRestore(find(cluster, from));
            } catch (IOException | RuntimeException e) {
                return new Decision(null, true, "the backup to restore cannot be read: " + e.getMessage()
                        + "; the cluster waits for it");
            }
            restore = cluster.getStatus().getRestore();
        }
        if (KVClusterStatus.Restore.RESTORING.equals(restore.getPhase())) {
            try {
                ensureFetchAddress(cluster, from, restore);
            } catch (IOException | RuntimeException e) {
                return new Decision(restore.getBackupName(), running == null, "no address to fetch backup "
                        + restore.getBackupName() + " from: " + e.getMessage());
            }
        }
        return new Decision(restore.getBackupName(), false, null);
    }

    /** After the primary was kept: done once the first primary takes writes in an epoch after the backup's. */
    boolean conclude(KVCluster cluster) {
        KVClusterStatus status = cluster.getStatus();
        KVClusterStatus.Restore restore = status.getRestore();
        if (restore == null || !KVClusterStatus.Restore.RESTORING.equals(restore.getPhase()) || status.getPrimary() == null
                || status.getEpoch() == null || status.getEpoch() <= restore.getEpoch()) {
            return false;
        }
        // the address goes (the operator may patch Secrets, not delete them): a store made from now on fetches
        // nothing and joins from the primary; the Secret itself goes with the cluster (owner reference)
        client.secrets().inNamespace(cluster.getMetadata().getNamespace())
                .withName(KvNames.restoreSecret(cluster.getMetadata().getName()))
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"data\":{\"" + RestoreFromBackup.URL_KEY + "\":null}}");
        restore.setPhase(KVClusterStatus.Restore.RESTORED);
        return true;
    }

    private S3Location locationOf(KVCluster cluster, Bootstrap.FromBackup from) {
        return targets.of(cluster.getMetadata().getNamespace(), from.getS3(), from.getS3().getPath(),
                "spec.bootstrap.fromBackup.s3");
    }

    private KVClusterStatus.Restore find(KVCluster cluster, Bootstrap.FromBackup from) throws IOException {
        try (BackupStorage storage = BackupStorage.s3(locationOf(cluster, from))) {
            String name = from.getBackupName();
            if (name == null) {
                // kv-<yyyyMMdd-HHmmss>-...: the names sort as the times they were taken
                List<String> complete = storage.list(Backups.MANIFEST);
                if (complete.isEmpty()) {
                    throw new IOException("no complete backup in " + storage.describe(""));
                }
                name = complete.get(complete.size() - 1);
            }
            Backups.Manifest manifest = Backups.manifest(storage, name);
            KVClusterStatus.Restore restore = new KVClusterStatus.Restore();
            restore.setPhase(KVClusterStatus.Restore.RESTORING);
            restore.setBackupName(manifest.name());
            restore.setEpoch(manifest.epoch());
            restore.setOffset(manifest.offset());
            restore.setKeys(manifest.keys());
            restore.setBytes(manifest.bytes());
            restore.setSha256(manifest.sha256());
            return restore;
        }
    }

    private void ensureFetchAddress(KVCluster cluster, Bootstrap.FromBackup from, KVClusterStatus.Restore restore)
            throws IOException {
        String namespace = cluster.getMetadata().getNamespace();
        String secretName = KvNames.restoreSecret(cluster.getMetadata().getName());
        if (client.secrets().inNamespace(namespace).withName(secretName).get() != null) {
            return; // made by a pass before: addresses last 7 days, and the pods fetch within minutes
        }
        S3Location location = locationOf(cluster, from);
        String url;
        try (BackupStorage storage = BackupStorage.s3(location)) {
            url = storage.presignedGet(restore.getBackupName() + Backups.SNAPSHOT, FETCH_WINDOW).toString();
        }
        SecretBuilder secret = new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
                .withLabels(KvNames.labels(cluster.getMetadata().getName()))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(cluster.getApiVersion())
                        .withKind(cluster.getKind()).withName(cluster.getMetadata().getName())
                        .withUid(cluster.getMetadata().getUid()).withController(true).build())
                .endMetadata()
                .addToStringData(RestoreFromBackup.URL_KEY, url)
                .addToStringData(RestoreFromBackup.SHA256_KEY, restore.getSha256());
        if (location.caPem() != null) {
            secret.addToStringData(RestoreFromBackup.CA_KEY, location.caPem());
        }
        Secret made = secret.build();
        try {
            client.resource(made).create();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e; // 409: made by a pass before, which is as good
            }
        }
    }
}
