package dev.kvstore.cli.local;

import java.time.Duration;

/** How a local cluster runs: size, replication and failover settings. */
public record LocalClusterSettings(int nodes, String clusterId, String mode, int minSyncReplicas, String fsync,
                                   int heapMb, Duration failoverDelay, Duration pollInterval,
                                   boolean restartDeadNodes) {

    public static LocalClusterSettings defaults(int nodes) {
        return new LocalClusterSettings(nodes, "local", "sync", 1, "always", 192, Duration.ofMillis(150),
                Duration.ofMillis(25), true);
    }

    public LocalClusterSettings withMode(String newMode) {
        return new LocalClusterSettings(nodes, clusterId, newMode, minSyncReplicas, fsync, heapMb,
                failoverDelay, pollInterval, restartDeadNodes);
    }

    public LocalClusterSettings withRestart(boolean restart) {
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, fsync, heapMb,
                failoverDelay, pollInterval, restart);
    }
}
