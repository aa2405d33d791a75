package dev.kvstore.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** All store settings, from application.properties, system properties or KV_* environment variables. */
@ConfigMapping(prefix = "kv")
public interface StoreConfig {

    /** This store's name in the cluster (the pod name in Kubernetes). */
    @WithDefault("kv-0")
    String nodeId();

    @WithDefault("kv")
    String clusterId();

    /**
     * The shared cluster secret; or {@link #secretFile()}, read again every few seconds. One a line: the
     * first signs, every one is accepted (how the secret is rotated without a restart).
     */
    Optional<String> secret();

    Optional<String> secretFile();

    @WithDefault("data")
    String dataDir();

    /**
     * A backup (a snapshot file, as {@code GET /v1/admin/backup} or {@code kv backup} gives it) to seed an empty
     * data directory from before the store opens it; a directory holding other data is refused, never overwritten.
     */
    Optional<String> restoreFrom();

    /**
     * With {@code kv.restore-from}: no file there means nothing to restore, and the store starts from what its
     * data directory holds. The operator sets it: the file is fetched only while a new cluster is restored, and a
     * store made later (a scale-up, a volume made anew) joins from the primary by snapshot instead.
     */
    @WithDefault("false")
    boolean restoreIfPresent();

    /**
     * With {@code kv.restore-from}: which restore this is (the operator gives the KVCluster's uid). A data directory
     * seeded by another restore of the same backup is refused, not gone on from: it holds that cluster's writes.
     */
    Optional<String> restoreId();

    /**
     * With {@code kv.restore-from}: the log archived after that backup (segments one after the other, as the log
     * archive keeps them), replayed up to {@code kv.restore-to}: a restore to a point in time.
     */
    Optional<String> restoreLog();

    /**
     * With {@code kv.restore-log}: where the restore stops, an ISO-8601 time (every write the primary appended up
     * to that millisecond, none after) or {@code <epoch>:<offset>}.
     */
    Optional<String> restoreTo();

    @WithDefault("0.0.0.0")
    String replicationHost();

    @WithDefault("7400")
    int replicationPort();

    /**
     * The admin API (status, fence, promote, follow; signed with the cluster secret), on a port of its
     * own so that a NetworkPolicy can keep it to the operator and the cluster's pods; 0 picks a free one.
     */
    @WithDefault("7401")
    int adminPort();

    @WithDefault("0.0.0.0")
    String adminHost();

    /** host:port that secondaries use to reach this store's replication port. */
    Optional<String> advertisedReplication();

    /** Base URL clients use to reach this store's HTTP port. */
    Optional<String> advertisedHttp();

    /** sync or async. */
    @WithDefault("sync")
    String mode();

    @WithDefault("1")
    int minSyncReplicas();

    /** always or everysec. */
    @WithDefault("always")
    String fsync();

    @WithDefault("1024")
    int maxKeyBytes();

    @WithDefault("1048576")
    int maxValueBytes();

    @WithDefault("5000")
    long writeTimeoutMillis();

    @WithDefault("50")
    long heartbeatMillis();

    /** Take a snapshot (and compact the log) after this many applied entries. */
    @WithDefault("100000")
    long snapshotEveryEntries();

    /**
     * A snapshot also waits until the entries applied since the last one reach this percentage of the
     * keys it held (Redis's auto-aof-rewrite-percentage): snapshot work stays proportional to the writes
     * however large the data set. 0: every {@code kv.snapshot-every-entries}, whatever the size.
     */
    @WithDefault("100")
    int snapshotGrowthPercent();

    /** Entries kept in the log behind a snapshot, so a briefly absent secondary catches up from the log. */
    @WithDefault("10000")
    long logRetentionEntries();

    /** How long a primary may answer reads after its secondaries last confirmed it. */
    @WithDefault("300")
    long leaseMillis();

    /**
     * The data's memory budget (bytes, or with k, m, g): a write that would pass it is refused (507)
     * before it enters the log; reads, deletes and shrinking writes go on. Default: half the heap.
     */
    Optional<String> maxMemory();

    /**
     * Free space kept on the data volume (bytes, or with k/m/g): below it, writes that add data are
     * refused (507, MISCONF) before a write could fail on a full disk. Default: a tenth of the volume,
     * at most 64 MiB.
     */
    Optional<String> minFreeDisk();

    /** The Redis-protocol port (RESP2/RESP3); 0 picks a free one. */
    @WithDefault("6379")
    int respPort();

    @WithDefault("0.0.0.0")
    String respHost();

    /**
     * Client connections the RESP port holds at once (Redis's maxclients); the next one is told
     * "max number of clients reached". Well below the process's open-file limit, which also covers
     * the log, snapshots, replication and HTTP.
     */
    @WithDefault("10000")
    int maxClients();

    /**
     * The bound of one multi-key log entry (an MSET, a multi-key DEL, a transaction), in bytes of its
     * keys and values: past it the command is refused and nothing is applied. Every store of a
     * cluster needs the same value (a store reads entries up to it).
     */
    @WithDefault("8388608")
    int maxEntryBytes();

    /**
     * The newest log format this store writes and accepts from its primary. 2 (the default) allows
     * multi-key entries (MSET, multi-key DEL, MULTI/EXEC). 1 keeps the log readable by releases before
     * format 2, so that a rollback to one stays possible: multi-key writes are refused meanwhile.
     */
    @WithDefault("2")
    int logFormat();

    /** Event loops that serve RESP connections; 0: one per core (each loop takes its share of the clients). */
    @WithDefault("0")
    int respEventLoops();

    /**
     * Client authentication: a directory with one file per user, named after the user and holding
     * its password (a mounted Secret). Unset: clients need no password (Redis without requirepass).
     * Read again every few seconds, so changed passwords apply without a restart.
     */
    Optional<String> usersDir();

    /** Users of {@link #usersDir()} that may only read (comma-separated); the others read and write. */
    Optional<String> readonlyUsers();

    /**
     * With users set: whether {@code /v1/status} stays open to clients without a password. Metrics are
     * on the management port (9000), apart from the client ports, open to whom the NetworkPolicy lets in.
     */
    @WithDefault("true")
    boolean openStatus();

    /**
     * TLS on every port: a directory with {@code tls.crt}, {@code tls.key} and {@code ca.crt} (a mounted
     * {@code kubernetes.io/tls} Secret). Client ports take any client; replication takes only stores with a
     * certificate of that CA (both ways; by the CA, not by name: a cluster's stores share one certificate and
     * are reached by pod IP); the admin port only {@link #tlsAdminClient()}.
     * Read again every {@link #tlsReloadMillis()}: a renewed certificate applies without a restart. Unset: no TLS.
     */
    Optional<String> tlsDir();

    @WithDefault("5000")
    long tlsReloadMillis();

    /**
     * With {@link #tlsDir()}, a directory whose {@code tls.crt} and {@code tls.key} (a mounted
     * {@code kubernetes.io/tls} Secret of the user's, cert-manager's for example) the client ports, Redis
     * protocol and HTTP, show instead of the cluster's certificate; read again like it. Replication, admin
     * and metrics keep the cluster's. Unset: the client ports show the cluster's certificate.
     */
    Optional<String> tlsClientDir();

    /**
     * With {@link #tlsDir()}, whether the HTTP and metrics ports are on TLS too (https alone); false keeps them in clear, for
     * HTTP clients of a cluster whose stores ran TLS before this release had it on that port.
     */
    @WithDefault("true")
    boolean httpTls();

    /** The TLS engine: auto (OpenSSL when it loads, else the JDK's), openssl (or no start), or jdk. */
    @WithDefault("auto")
    String tlsEngine();

    /** The common name of the one client certificate (of the cluster's CA) the admin port accepts: the operator's. */
    @WithDefault("kvstore-operator")
    String tlsAdminClient();

    /** Tests only: while this file exists, every fsync fails (a dying disk). Unset: off. */
    Optional<String> failpointFsyncErrorFile();

    /** Tests only: directories are never forced (the fix that forces them reverted), for the power-loss tests. */
    @WithDefault("false")
    boolean failpointSkipDirectoryForce();
}
