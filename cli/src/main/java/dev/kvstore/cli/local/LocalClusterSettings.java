package dev.kvstore.cli.local;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a local cluster runs: size, replication and failover settings, and any further store
 * settings ({@code kv.*} properties) passed to every store process.
 */
public record LocalClusterSettings(int nodes, String clusterId, String mode, int minSyncReplicas, String fsync,
                                   int heapMb, Duration failoverDelay, Duration pollInterval,
                                   boolean restartDeadNodes, Map<String, String> storeProperties) {

    public LocalClusterSettings {
        storeProperties = Map.copyOf(storeProperties);
    }

    public static LocalClusterSettings defaults(int nodes) {
        return new LocalClusterSettings(nodes, "local", "sync", 1, "always", 192, Duration.ofMillis(150),
                Duration.ofMillis(25), true, Map.of());
    }

    public LocalClusterSettings withMode(String newMode) {
        return new LocalClusterSettings(nodes, clusterId, newMode, minSyncReplicas, fsync, heapMb, failoverDelay,
                pollInterval, restartDeadNodes, storeProperties);
    }

    public LocalClusterSettings withRestart(boolean restart) {
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, fsync, heapMb, failoverDelay,
                pollInterval, restart, storeProperties);
    }

    public LocalClusterSettings withFsync(String newFsync) {
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, newFsync, heapMb, failoverDelay,
                pollInterval, restartDeadNodes, storeProperties);
    }

    public LocalClusterSettings withHeapMb(int newHeapMb) {
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, fsync, newHeapMb, failoverDelay,
                pollInterval, restartDeadNodes, storeProperties);
    }

    /** How long the primary may be silent (since its last healthy answer) before the supervisor fails over. */
    public LocalClusterSettings withFailoverDelay(Duration delay) {
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, fsync, heapMb, delay,
                pollInterval, restartDeadNodes, storeProperties);
    }

    /** One more store setting, e.g. {@code with("kv.snapshot-every-entries", "200")}. */
    public LocalClusterSettings with(String property, String value) {
        Map<String, String> more = new TreeMap<>(storeProperties);
        more.put(property, value);
        return new LocalClusterSettings(nodes, clusterId, mode, minSyncReplicas, fsync, heapMb, failoverDelay,
                pollInterval, restartDeadNodes, more);
    }
}
