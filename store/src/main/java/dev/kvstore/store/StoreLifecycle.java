package dev.kvstore.store;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.store.disk.FailpointDiskSync;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.state.MemoryEstimate;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.node.NodeSettings;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.auth.ClusterSecretFile;
import dev.kvstore.store.repl.FollowerLink;
import dev.kvstore.store.repl.HandshakeProof;
import dev.kvstore.store.repl.ReplicationServer;
import dev.kvstore.store.tls.StoreTls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Builds the store node from configuration, starts replication, and closes both on shutdown. */
@ApplicationScoped
public class StoreLifecycle {

    /** How often the users' directory is read again (a mounted Secret changes in place). */
    private static final long USERS_RELOAD_MS = 2000;
    /** How often the cluster secret file is read again (a mounted Secret changes in place). */
    private static final long SECRET_RELOAD_MS = 2000;

    private StoreNode node;
    private ReplicationServer replication;
    private Vertx stopVertx;
    private long secretReload = -1;

    @Produces
    @Singleton
    StoreNode node(StoreConfig config, Vertx vertx, StoreTls tls, ClusterSecretFile secrets,
                   @ConfigProperty(name = "quarkus.http.port") int httpPort) throws IOException {
        String secret = secrets.get().signing();
        String advertisedReplication = config.advertisedReplication()
                .orElse("127.0.0.1:" + config.replicationPort());
        String scheme = dev.kvstore.store.tls.HttpPortTls.servesHttps(tls, config) ? "https" : "http";
        String advertisedHttp = config.advertisedHttp().orElse(scheme + "://127.0.0.1:" + httpPort);
        if (config.minSyncReplicas() < 0) {
            throw new IllegalArgumentException("kv.min-sync-replicas must be >= 0, got " + config.minSyncReplicas());
        }
        NodeSettings settings = new NodeSettings(config.nodeId(), config.clusterId(), secret, Path.of(config.dataDir()),
                advertisedReplication, advertisedHttp, ReplicationMode.parse(config.mode()), config.minSyncReplicas(),
                FsyncPolicy.parse(config.fsync()), config.maxKeyBytes(), config.maxValueBytes(),
                config.writeTimeoutMillis(), config.heartbeatMillis(), config.leaseMillis(),
                config.snapshotEveryEntries(), config.logRetentionEntries(),
                config.maxMemory().map(MemoryEstimate::parseBytes).orElseGet(NodeSettings::defaultMaxMemoryBytes),
                config.minFreeDisk().map(MemoryEstimate::parseBytes).orElse(-1L), config.maxEntryBytes(),
                config.logFormat(), config.snapshotGrowthPercent());
        DiskSync disk = GuardedDiskSync.system();
        if (config.failpointFsyncErrorFile().isPresent()) {
            // relative to the data directory, so that each store of a local cluster has its own
            disk = new FailpointDiskSync(disk, Path.of(config.dataDir()).resolve(config.failpointFsyncErrorFile().get()));
        }
        if (config.failpointSkipDirectoryForce()) {
            org.jboss.logging.Logger.getLogger(StoreLifecycle.class).warn("kv.failpoint-skip-directory-force: directories are never forced (tests only)");
            disk = new dev.kvstore.store.disk.SkippedDirectoryForce(disk);
        }
        if (config.restoreFrom().isPresent() && config.restoreIfPresent()
                && !java.nio.file.Files.exists(Path.of(config.restoreFrom().get()))) {
            org.jboss.logging.Logger.getLogger(StoreLifecycle.class).infof("no backup at %s (kv.restore-if-present): "
                    + "starting from what %s holds", config.restoreFrom().get(), config.dataDir());
        } else if (config.restoreFrom().isPresent()) {
            if (config.restoreLog().isPresent() != config.restoreTo().isPresent()) {
                throw new IllegalArgumentException("kv.restore-log and kv.restore-to go together: the archived log and"
                        + " the point in it to restore to");
            }
            dev.kvstore.store.snapshot.RestoreFromBackup.ToPoint toPoint = config.restoreLog().isEmpty() ? null
                    : new dev.kvstore.store.snapshot.RestoreFromBackup.ToPoint(Path.of(config.restoreLog().get()),
                            dev.kvstore.core.disk.RestorePoint.parse(config.restoreTo().get()));
            dev.kvstore.store.snapshot.RestoreFromBackup.Restored restored = dev.kvstore.store.snapshot.RestoreFromBackup
                    .prepare(Path.of(config.dataDir()), Path.of(config.restoreFrom().get()), toPoint,
                            config.restoreId().orElse(null), config.maxEntryBytes(), disk);
            org.jboss.logging.Logger.getLogger(StoreLifecycle.class).infof("%s the backup %s (up to offset %d, epoch %d)",
                    restored.now() ? "restored" : "already restored from", config.restoreFrom().get(), restored.offset(),
                    restored.epoch());
        }
        node = new StoreNode(settings, disk);
        HandshakeProof proof = new HandshakeProof(secrets);
        replication = new ReplicationServer(vertx, node, proof, tls);
        node.attach(replication, (n, host, port, epoch) -> new FollowerLink(vertx, n, host, port, proof, tls));
        replication.start(config.replicationHost(), config.replicationPort());
        ReplicationServer server = replication;
        // ordered: one reload at a time; then at most one connection made with a secret or CA rotated away is
        // closed (the TLS files are read again on a timer of their own)
        stopVertx = vertx;
        secretReload = vertx.setPeriodic(SECRET_RELOAD_MS, t -> vertx.executeBlocking(() -> {
            secrets.reload();
            server.closeOneMadeWithDroppedCredential();
            return null;
        }, true));
        return node;
    }

    /** The cluster secrets: fixed by {@code kv.secret}, or read from {@code kv.secret-file} and again while running. */
    @Produces
    @Singleton
    ClusterSecretFile clusterSecrets(StoreConfig config) throws IOException {
        return ClusterSecretFile.from(config.secret(), config.secretFile());
    }

    /** TLS on every port, or none (no {@code kv.tls-dir}). */
    @Produces
    @Singleton
    StoreTls tls(StoreConfig config, Vertx vertx) throws IOException {
        if (config.tlsDir().isEmpty() || config.tlsDir().get().isBlank()) {
            return StoreTls.off();
        }
        Path clientDir = config.tlsClientDir().filter(dir -> !dir.isBlank()).map(Path::of).orElse(null);
        return StoreTls.from(Path.of(config.tlsDir().get()), clientDir, vertx, config.tlsReloadMillis(), config.tlsEngine());
    }

    /** Who may use the client ports; with users, read again every few seconds (a changed Secret). */
    @Produces
    @Singleton
    dev.kvstore.store.auth.Access access(StoreConfig config, Vertx vertx) throws IOException {
        if (config.usersDir().isEmpty() || config.usersDir().get().isBlank()) {
            return dev.kvstore.store.auth.Access.open();
        }
        java.util.Set<String> readOnly = new java.util.TreeSet<>();
        for (String name : config.readonlyUsers().orElse("").split(",")) {
            if (!name.isBlank()) {
                readOnly.add(name.trim());
            }
        }
        dev.kvstore.store.auth.Access access = dev.kvstore.store.auth.Access.of(Path.of(config.usersDir().get()), readOnly);
        // ordered: one reload at a time, so an older read never replaces a newer one
        vertx.setPeriodic(USERS_RELOAD_MS, t -> vertx.executeBlocking(() -> access.reload(), true));
        return access;
    }

    void onStart(@Observes StartupEvent event, StoreNode node, dev.kvstore.store.auth.Access access) {
        // forces the node (and the replication port) up at start, not at the first request
    }

    void onStop(@Observes ShutdownEvent event) {
        // before the node closes: a tick would otherwise ask a closed node which connection it can spare
        if (secretReload >= 0 && stopVertx != null) {
            stopVertx.cancelTimer(secretReload);
        }
        if (replication != null) {
            replication.stop();
        }
        if (node != null) {
            node.close();
        }
    }
}
