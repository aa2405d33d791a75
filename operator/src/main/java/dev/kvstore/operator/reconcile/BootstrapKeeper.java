package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.ArchivedLogs;
import dev.kvstore.backup.BackupStorage;
import dev.kvstore.backup.Backups;
import dev.kvstore.backup.RestorePlan;
import dev.kvstore.core.disk.RestorePoint;
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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code spec.bootstrap.fromBackup}: a new cluster restored from a backup. Before the StatefulSet exists, the backup
 * is found (named, or the newest complete one there) and what its manifest says goes into {@code status.restore};
 * an address to fetch its snapshot goes into Secret {@code <name>-restore} for the pods' init container. Once the
 * first primary takes writes (in an epoch after the backup's) the address is removed from the Secret and the
 * restore is done.
 */
final class BootstrapKeeper {

    static final String CONDITION = "Restored";
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(BootstrapKeeper.class);
    /** S3's longest for a presigned address: the pods must have fetched the backup by then. */
    static final Duration FETCH_WINDOW = Duration.ofDays(7);

    /**
     * What this pass does about the restore.
     *
     * @param backupName    the backup the StatefulSet's pods restore from; null: none
     * @param waits         the cluster is not made yet (the backup is not found): no StatefulSet this pass
     * @param problem       why, for condition Restored; null when nothing is wrong
     */
    record Decision(String backupName, boolean waits, String problem, String target) {
        static final Decision NONE = new Decision(null, false, null, null);

        Decision(String backupName, boolean waits, String problem) {
            this(backupName, waits, problem, null);
        }
    }

    private final KubernetesClient client;
    private final BackupTargets targets;
    /** Once restored, the Secret is looked at once a minute, not every pass: by cluster uid, when it was last right. */
    private final Map<String, Instant> restoredMarkSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private static final Duration RESTORED_RECHECK = Duration.ofMinutes(1);

    BootstrapKeeper(KubernetesClient client) {
        this.client = client;
        this.targets = new BackupTargets(client);
    }

    private static Bootstrap.FromBackup fromBackup(KVCluster cluster) {
        Bootstrap bootstrap = cluster.getSpec().getBootstrap();
        return bootstrap == null ? null : bootstrap.getFromBackup();
    }

    /**
     * Before the StatefulSet is applied. With the point the archived log is replayed to ({@link Decision#target}):
     * the running template's once there is one (what its pods restore with never changes under them, even when the
     * status that said it is lost), else the status's when the operator wrote the log for the pods.
     */
    Decision prepare(KVCluster cluster, StatefulSet running) {
        Decision decided = decide(cluster, running);
        if (decided.backupName() == null) {
            return decided;
        }
        KVClusterStatus.Restore restore = cluster.getStatus().getRestore();
        String target = running != null ? RestoreFromBackup.targetInTemplate(running)
                : restore != null && restore.getLogObject() != null ? restore.getTarget() : null;
        return new Decision(decided.backupName(), decided.waits(), decided.problem(), target);
    }

    private Decision decide(KVCluster cluster, StatefulSet running) {
        Bootstrap.FromBackup from = fromBackup(cluster);
        if (from == null) {
            return Decision.NONE;
        }
        KVClusterStatus.Restore restore = cluster.getStatus().getRestore();
        if (restore == null) {
            if (running != null) {
                // the API server refuses spec.bootstrap on a cluster that exists, so the status was lost (a copy of
                // the object without it): the template keeps what it has, and the status is read again from the
                // manifest of the backup the template names
                String inTemplate = RestoreFromBackup.backupInTemplate(running);
                if (inTemplate == null) {
                    return new Decision(null, false, "the StatefulSet " + running.getMetadata().getName() + " exists: "
                            + "a backup is restored into a new cluster only, never in place");
                }
                try {
                    // the archived log is written for the pods only while some may still fetch it (no primary yet)
                    KVClusterStatus.Restore found = find(cluster, from, inTemplate, cluster.getStatus().getPrimary() == null);
                    if (cluster.getStatus().getPrimary() != null) {
                        found.setPhase(KVClusterStatus.Restore.RESTORED);
                    }
                    cluster.getStatus().setRestore(found);
                } catch (IOException | RuntimeException e) {
                    return new Decision(inTemplate, false, "status.restore was lost and backup " + inTemplate
                            + " cannot be read again: " + e.getMessage());
                }
                return new Decision(inTemplate, true, null);
            }
            try {
                cluster.getStatus().setRestore(find(cluster, from, from.getBackupName(), true));
            } catch (IOException | RuntimeException e) {
                return new Decision(null, true, "the backup to restore cannot be read: " + e.getMessage()
                        + "; the cluster waits for it");
            }
            // no StatefulSet before the status that says which backup is written: a pass that stopped after making
            // it would leave the next one without the restore
            return new Decision(cluster.getStatus().getRestore().getBackupName(), true, null);
        }
        boolean restored = KVClusterStatus.Restore.RESTORED.equals(restore.getPhase());
        Instant verified = restoredMarkSeen.get(cluster.getMetadata().getUid());
        if (restored && verified != null && verified.isAfter(Instant.now().minus(RESTORED_RECHECK))) {
            return new Decision(restore.getBackupName(), false, null);
        }
        try {
            ensureSecret(cluster, from, restore);
            if (restored) {
                restoredMarkSeen.put(cluster.getMetadata().getUid(), Instant.now());
            }
        } catch (IOException | RuntimeException e) {
            boolean restoring = KVClusterStatus.Restore.RESTORING.equals(restore.getPhase());
            return new Decision(restore.getBackupName(), restoring && running == null, (restoring
                    ? "no address to fetch backup " + restore.getBackupName() + " from: "
                    : "Secret " + KvNames.restoreSecret(cluster.getMetadata().getName()) + " cannot be written: ")
                    + e.getMessage());
        }
        return new Decision(restore.getBackupName(), false, null);
    }

    /**
     * After the primary was kept: done once the first primary takes writes in an epoch after the backup's. The
     * next pass turns the Secret's address into the mark that lets stores made from then on start empty.
     */
    boolean conclude(KVCluster cluster) {
        KVClusterStatus status = cluster.getStatus();
        KVClusterStatus.Restore restore = status.getRestore();
        if (restore == null || !KVClusterStatus.Restore.RESTORING.equals(restore.getPhase()) || status.getPrimary() == null
                || status.getEpoch() == null || status.getEpoch() <= restore.getEpoch()) {
            return false;
        }
        restore.setPhase(KVClusterStatus.Restore.RESTORED);
        return true;
    }

    private S3Location locationOf(KVCluster cluster, Bootstrap.FromBackup from) {
        return targets.of(cluster.getMetadata().getNamespace(), from.getS3(), from.getS3().getPath(),
                "spec.bootstrap.fromBackup.s3");
    }

    /**
     * The manifest of backup {@code name} (null: the newest complete one there), as status.restore. With a restore
     * point ({@code targetTime} or {@code targetPosition}) the backup is the newest before it (or the one named, when
     * before it), and the archived segments after it up to the point are written as one object for the pods.
     */
    private KVClusterStatus.Restore find(KVCluster cluster, Bootstrap.FromBackup from, String name, boolean writeLog)
            throws IOException {
        try (BackupStorage storage = BackupStorage.s3(locationOf(cluster, from))) {
            Backups.Manifest manifest;
            RestorePlan plan = null;
            if (from.target() != null) {
                plan = RestorePlan.in(storage, name, RestorePoint.parse(from.target()));
                manifest = plan.backup();
            } else {
                if (name == null) {
                    // kv-<yyyyMMdd-HHmmss>-...: the names sort as the times they were taken
                    List<String> complete = storage.list(Backups.MANIFEST);
                    if (complete.isEmpty()) {
                        throw new IOException("no complete backup in " + storage.describe(""));
                    }
                    name = complete.get(complete.size() - 1);
                }
                manifest = Backups.manifest(storage, name);
            }
            KVClusterStatus.Restore restore = new KVClusterStatus.Restore();
            restore.setPhase(KVClusterStatus.Restore.RESTORING);
            restore.setBackupName(manifest.name());
            restore.setEpoch(manifest.epoch());
            restore.setOffset(manifest.offset());
            restore.setKeys(manifest.keys());
            restore.setBytes(manifest.bytes());
            restore.setSha256(manifest.sha256());
            if (plan != null) {
                restore.setTarget(plan.point().toString());
                restore.setLogSegments(plan.segments().size());
                if (writeLog && !plan.segments().isEmpty()) {
                    // one object for the pods to fetch by one address: this cluster's (its uid), written anew each time
                    ArchivedLogs.Bundle bundle = ArchivedLogs.bundle(storage, plan.segments(),
                            "restore-" + cluster.getMetadata().getUid() + LOG_BUNDLE);
                    restore.setLogObject(bundle.name());
                    restore.setLogBytes(bundle.bytes());
                    restore.setLogSha256(bundle.sha256());
                }
            }
            return restore;
        }
    }

    /** The suffix of the objects that hold a restore's archived log: neither a backup's nor a segment's. */
    static final String LOG_BUNDLE = ".kvlog-bundle";


    /**
     * Secret {@code <name>-restore} as the restore's phase wants it, this cluster's (a Secret left by a deleted
     * cluster of the same name is rewritten): while restoring the backup's name, a fetch address with a day left
     * at least (renewed before it runs out) and the manifest's SHA-256; once restored the name and the mark
     * {@code restored}, which alone lets the init container start a store without fetching.
     */
    private void ensureSecret(KVCluster cluster, Bootstrap.FromBackup from, KVClusterStatus.Restore restore)
            throws IOException {
        String namespace = cluster.getMetadata().getNamespace();
        String secretName = KvNames.restoreSecret(cluster.getMetadata().getName());
        boolean restoring = KVClusterStatus.Restore.RESTORING.equals(restore.getPhase());
        Secret existing = client.secrets().inNamespace(namespace).withName(secretName).get();
        Map<String, String> have = new TreeMap<>();
        if (existing != null && existing.getData() != null) {
            existing.getData().forEach((key, value) -> have.put(key, new String(Base64.getDecoder().decode(value),
                    StandardCharsets.UTF_8)));
        }
        boolean ours = existing != null && existing.getMetadata().getOwnerReferences() != null
                && existing.getMetadata().getOwnerReferences().stream()
                .anyMatch(owner -> cluster.getMetadata().getUid().equals(owner.getUid()));
        boolean sameBackup = restore.getBackupName().equals(have.get(RestoreFromBackup.BACKUP_KEY));
        S3Location location = restoring ? locationOf(cluster, from) : null;
        String source = restoring ? fingerprint(location) : null;
        boolean withLog = restore.getLogObject() != null;
        if (ours && sameBackup && (restoring ? addressLasts(have.get(RestoreFromBackup.EXPIRES_KEY))
                && source.equals(have.get(RestoreFromBackup.SOURCE_KEY))
                && have.containsKey(RestoreFromBackup.URL_KEY) && !have.containsKey(RestoreFromBackup.RESTORED_KEY)
                && have.containsKey(RestoreFromBackup.LOG_URL_KEY) == withLog
                && (!withLog || restore.getLogSha256().equals(have.get(RestoreFromBackup.LOG_SHA256_KEY)))
                : "true".equals(have.get(RestoreFromBackup.RESTORED_KEY)) && !have.containsKey(RestoreFromBackup.URL_KEY))) {
            return;
        }
        Map<String, String> want = new TreeMap<>();
        want.put(RestoreFromBackup.BACKUP_KEY, restore.getBackupName());
        if (restoring) {
            want.put(RestoreFromBackup.SOURCE_KEY, source);
            try (BackupStorage storage = BackupStorage.s3(location)) {
                want.put(RestoreFromBackup.URL_KEY,
                        storage.presignedGet(restore.getBackupName() + Backups.SNAPSHOT, FETCH_WINDOW).toString());
                if (withLog) {
                    want.put(RestoreFromBackup.LOG_URL_KEY, storage.presignedGet(restore.getLogObject(), FETCH_WINDOW).toString());
                    want.put(RestoreFromBackup.LOG_SHA256_KEY, restore.getLogSha256());
                }
            }
            want.put(RestoreFromBackup.EXPIRES_KEY, Instant.now().plus(FETCH_WINDOW).toString());
            want.put(RestoreFromBackup.SHA256_KEY, restore.getSha256());
            if (location.caPem() != null) {
                want.put(RestoreFromBackup.CA_KEY, location.caPem());
            }
        } else {
            // the address goes (a store made from now on starts empty and joins from the primary); the Secret
            // itself goes with the cluster (owner reference)
            want.put(RestoreFromBackup.RESTORED_KEY, "true");
            if (withLog) {
                // the archived log written for the pods is theirs alone: once restored it goes (the segments stay)
                try (BackupStorage storage = BackupStorage.s3(locationOf(cluster, from))) {
                    storage.delete(restore.getLogObject());
                } catch (IOException | RuntimeException left) {
                    LOG.warnf("%s/%s: the restore's archived log %s is left in the storage: %s", namespace,
                            cluster.getMetadata().getName(), restore.getLogObject(), left.getMessage());
                }
            }
        }
        Map<String, Object> data = new TreeMap<>();
        want.forEach((key, value) -> data.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        var owner = new OwnerReferenceBuilder().withApiVersion(cluster.getApiVersion()).withKind(cluster.getKind())
                .withName(cluster.getMetadata().getName()).withUid(cluster.getMetadata().getUid()).withController(true)
                .build();
        if (existing == null) {
            Secret made = new SecretBuilder().withNewMetadata().withName(secretName).withNamespace(namespace)
                    .withLabels(KvNames.labels(cluster.getMetadata().getName())).withOwnerReferences(owner).endMetadata()
                    .withData(want.keySet().stream().collect(java.util.stream.Collectors.toMap(k -> k,
                            k -> (String) data.get(k)))).build();
            try {
                client.resource(made).create();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e; // 409: made meanwhile; the next pass checks it
                }
            }
            return;
        }
        have.keySet().stream().filter(key -> !want.containsKey(key)).forEach(key -> data.put(key, null));
        Map<String, Object> patch = new java.util.HashMap<>();
        patch.put("data", data);
        patch.put("metadata", Map.of("ownerReferences", List.of(owner)));
        client.secrets().inNamespace(namespace).withName(secretName).patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(patch));
    }

    /**
     * What the address depends on, hashed: the storage, the folder, the access key and the CA. A rotated key (the
     * old one may be revoked) or another CA makes the address anew at once, not when it runs out.
     */
    private static String fingerprint(S3Location location) {
        String text = location.endpoint() + "\n" + location.region() + "\n" + location.bucket() + "\n" + location.prefix()
                + "\n" + (location.credentials() == null ? "" : location.credentials().accessKeyId() + "\n"
                + location.credentials().secretAccessKey()) + "\n" + location.caPem();
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An address with a day left at least: the pods restarted late still fetch in time. */
    private static boolean addressLasts(String expires) {
        try {
            return expires != null && Instant.parse(expires).isAfter(Instant.now().plus(Duration.ofDays(1)));
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }
}
