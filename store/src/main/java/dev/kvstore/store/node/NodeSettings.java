package dev.kvstore.store.node;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.store.log.FsyncPolicy;
import java.nio.file.Path;

/** Everything a store node needs to know about itself, resolved from configuration. */
public record NodeSettings(String nodeId, String clusterId, String secret, Path dataDir,
                           String advertisedReplication, String advertisedHttp, ReplicationMode mode,
                           int minSyncReplicas, FsyncPolicy fsync, int maxKeyBytes, int maxValueBytes,
                           long writeTimeoutMillis, long heartbeatMillis, long leaseMillis,
                           long snapshotEveryEntries, long logRetentionEntries) {

    /** The largest log entry: a key, a value and the fixed fields, with room to spare. */
    public int maxEntryBytes() {
        return maxKeyBytes + maxValueBytes + 1024;
    }
}
