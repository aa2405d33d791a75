package dev.kvstore.store.node;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogFormat;
import java.nio.file.Path;

/** Everything a store node needs to know about itself, resolved from configuration. */
public record NodeSettings(String nodeId, String clusterId, String secret, Path dataDir,
                           String advertisedReplication, String advertisedHttp, ReplicationMode mode,
                           int minSyncReplicas, FsyncPolicy fsync, int maxKeyBytes, int maxValueBytes,
                           long writeTimeoutMillis, long heartbeatMillis, long leaseMillis,
                           long snapshotEveryEntries, long logRetentionEntries, long maxMemoryBytes,
                           long minFreeDiskBytes, int entryLimitBytes, int logFormat, int snapshotGrowthPercent) {

    public NodeSettings {
        new SnapshotSchedule(snapshotEveryEntries, snapshotGrowthPercent); // refuses nonsense at start
        if (logFormat < LogFormat.BASIC || logFormat > LogFormat.CURRENT) {
            throw new IllegalArgumentException("kv.log-format must be between " + LogFormat.BASIC + " and "
                    + LogFormat.CURRENT + ", got " + logFormat);
        }
    }

    /** Snapshots at a fixed interval ({@code kv.snapshot-growth-percent} 0), as tests of the log's mechanics want. */
    public NodeSettings(String nodeId, String clusterId, String secret, Path dataDir, String advertisedReplication,
                        String advertisedHttp, ReplicationMode mode, int minSyncReplicas, FsyncPolicy fsync,
                        int maxKeyBytes, int maxValueBytes, long writeTimeoutMillis, long heartbeatMillis,
                        long leaseMillis, long snapshotEveryEntries, long logRetentionEntries, long maxMemoryBytes,
                        long minFreeDiskBytes, int entryLimitBytes, int logFormat) {
        this(nodeId, clusterId, secret, dataDir, advertisedReplication, advertisedHttp, mode, minSyncReplicas, fsync,
                maxKeyBytes, maxValueBytes, writeTimeoutMillis, heartbeatMillis, leaseMillis, snapshotEveryEntries,
                logRetentionEntries, maxMemoryBytes, minFreeDiskBytes, entryLimitBytes, logFormat, 0);
    }

    /** When the next snapshot is due. */
    SnapshotSchedule snapshotSchedule() {
        return new SnapshotSchedule(snapshotEveryEntries, snapshotGrowthPercent);
    }

    /** Writing and reading the newest log format. */
    public NodeSettings(String nodeId, String clusterId, String secret, Path dataDir, String advertisedReplication,
                        String advertisedHttp, ReplicationMode mode, int minSyncReplicas, FsyncPolicy fsync,
                        int maxKeyBytes, int maxValueBytes, long writeTimeoutMillis, long heartbeatMillis,
                        long leaseMillis, long snapshotEveryEntries, long logRetentionEntries, long maxMemoryBytes,
                        long minFreeDiskBytes, int entryLimitBytes) {
        this(nodeId, clusterId, secret, dataDir, advertisedReplication, advertisedHttp, mode, minSyncReplicas, fsync,
                maxKeyBytes, maxValueBytes, writeTimeoutMillis, heartbeatMillis, leaseMillis, snapshotEveryEntries,
                logRetentionEntries, maxMemoryBytes, minFreeDiskBytes, entryLimitBytes, LogFormat.CURRENT);
    }

    /** The default bound of one multi-key entry (an MSET, a transaction): {@code kv.max-entry-bytes}. */
    public static final int DEFAULT_ENTRY_LIMIT_BYTES = 8 * 1024 * 1024;

    /** With the default bound of a multi-key entry. */
    public NodeSettings(String nodeId, String clusterId, String secret, Path dataDir, String advertisedReplication,
                        String advertisedHttp, ReplicationMode mode, int minSyncReplicas, FsyncPolicy fsync,
                        int maxKeyBytes, int maxValueBytes, long writeTimeoutMillis, long heartbeatMillis,
                        long leaseMillis, long snapshotEveryEntries, long logRetentionEntries, long maxMemoryBytes,
                        long minFreeDiskBytes) {
        this(nodeId, clusterId, secret, dataDir, advertisedReplication, advertisedHttp, mode, minSyncReplicas, fsync,
                maxKeyBytes, maxValueBytes, writeTimeoutMillis, heartbeatMillis, leaseMillis, snapshotEveryEntries,
                logRetentionEntries, maxMemoryBytes, minFreeDiskBytes, DEFAULT_ENTRY_LIMIT_BYTES);
    }

    /** With the default disk reserve ({@code minFreeDiskBytes} negative: a tenth of the volume, at most 64 MiB). */
    public NodeSettings(String nodeId, String clusterId, String secret, Path dataDir, String advertisedReplication,
                        String advertisedHttp, ReplicationMode mode, int minSyncReplicas, FsyncPolicy fsync,
                        int maxKeyBytes, int maxValueBytes, long writeTimeoutMillis, long heartbeatMillis,
                        long leaseMillis, long snapshotEveryEntries, long logRetentionEntries, long maxMemoryBytes) {
        this(nodeId, clusterId, secret, dataDir, advertisedReplication, advertisedHttp, mode, minSyncReplicas, fsync,
                maxKeyBytes, maxValueBytes, writeTimeoutMillis, heartbeatMillis, leaseMillis, snapshotEveryEntries,
                logRetentionEntries, maxMemoryBytes, -1);
    }

    /** With the default memory budget ({@link #defaultMaxMemoryBytes()}). */
    public NodeSettings(String nodeId, String clusterId, String secret, Path dataDir, String advertisedReplication,
                        String advertisedHttp, ReplicationMode mode, int minSyncReplicas, FsyncPolicy fsync,
                        int maxKeyBytes, int maxValueBytes, long writeTimeoutMillis, long heartbeatMillis,
                        long leaseMillis, long snapshotEveryEntries, long logRetentionEntries) {
        this(nodeId, clusterId, secret, dataDir, advertisedReplication, advertisedHttp, mode, minSyncReplicas, fsync,
                maxKeyBytes, maxValueBytes, writeTimeoutMillis, heartbeatMillis, leaseMillis, snapshotEveryEntries,
                logRetentionEntries, defaultMaxMemoryBytes());
    }

    /**
     * Half the heap: the other half holds a snapshot's arrays of references (8 bytes a key, and the values
     * overwritten or deleted while it is written, which stay reachable until it is done), the log's newest
     * bytes (at most 16 MiB), connections and buffers, and the writes in flight that the check does not see.
     */
    public static long defaultMaxMemoryBytes() {
        return Runtime.getRuntime().maxMemory() / 2;
    }

    /**
     * The largest log entry a store reads (on disk and from the wire): a single key's entry (a key, a
     * value and the fixed fields, with room to spare) or a multi-key one ({@code entryLimitBytes} of
     * mutations, with the same room), whichever is larger.
     */
    public int maxEntryBytes() {
        return Math.max(maxKeyBytes + maxValueBytes, entryLimitBytes) + 1024;
    }
}
