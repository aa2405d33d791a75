package dev.kvstore.store.api;

import dev.kvstore.core.Role;
import dev.kvstore.store.disk.EventLoopGuard;
import dev.kvstore.store.node.StoreNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Prometheus gauges of the store's replication state; request rates and latencies come from Quarkus. */
@ApplicationScoped
public class StoreMetrics {

    void register(@Observes StartupEvent event, StoreNode node, MeterRegistry registry) {
        Gauge.builder("kv_role", node, n -> n.role() == Role.PRIMARY ? 1 : n.role() == Role.SECONDARY ? 2 : 0)
                .description("0 none, 1 primary, 2 secondary").register(registry);
        Gauge.builder("kv_epoch", node, StoreNode::epoch).register(registry);
        Gauge.builder("kv_following", node, n -> n.status().following() ? 1 : 0)
                .description("a secondary streaming from the current primary now (1), or not (0)").register(registry);
        // from admission to commit (fsync here and on minSyncReplicas secondaries): the dashboard's write latency
        io.micrometer.core.instrument.Timer commits = io.micrometer.core.instrument.Timer.builder("kv_write_commit")
                .description("committed writes (client writes and expiry deletes), from admission to commit").publishPercentileHistogram()
                .minimumExpectedValue(java.time.Duration.ofMillis(1)).maximumExpectedValue(java.time.Duration.ofSeconds(10))
                .register(registry);
        node.onCommitLatency(nanos -> commits.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS));
        Gauge.builder("kv_last_offset", node, n -> n.log().lastOffset()).register(registry);
        Gauge.builder("kv_commit_offset", node, StoreNode::commitOffset).register(registry);
        Gauge.builder("kv_lag", node, n -> n.status().lag()).description("entries behind the primary").register(registry);
        Gauge.builder("kv_quarantined_entries", node, StoreNode::quarantined).register(registry);
        Gauge.builder("kv_disk_failed", node, n -> n.diskFailure() == null ? 0 : 1)
                .description("1 when the log can no longer make writes durable (a write or fsync failed)")
                .register(registry);
        Gauge.builder("kv_event_loop_disk_calls", EventLoopGuard::violations)
                .description("disk calls made on an event loop since start (a bug wherever it is not 0)")
                .register(registry);
        Gauge.builder("kv_memory_used_bytes", node, StoreNode::memoryUsedBytes)
                .description("estimated heap bytes of the data").register(registry);
        Gauge.builder("kv_memory_limit_bytes", node, n -> n.settings().maxMemoryBytes())
                .description("the data's memory budget (kv.max-memory)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kv_snapshots_installed", node, StoreNode::snapshotsInstalled)
                .description("snapshots this store took from a primary since it started").register(registry);
        Gauge.builder("kv_disk_free_bytes", node, n -> n.diskSpace().freeBytes())
                .description("usable bytes left on the data volume, as last measured").register(registry);
        Gauge.builder("kv_disk_reserve_bytes", node, n -> n.diskSpace().reserveBytes())
                .description("free space below which writes are refused (kv.min-free-disk)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kv_log_fsyncs", node, n -> n.log().groupFsyncs())
                .description("fsyncs of the log by its flusher (each shared by the writes that arrived meanwhile)")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("kv_log_entries_durable", node,
                        n -> n.log().entriesMadeDurable())
                .description("log entries made durable by the flusher; divided by kv_log_fsyncs: writes per fsync")
                .register(registry);
        Gauge.builder("kv_connected_secondaries", node, n -> n.status().connectedSecondaries()).register(registry);
    }
}
