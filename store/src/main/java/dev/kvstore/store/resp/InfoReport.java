package dev.kvstore.store.resp;

import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.store.node.StoreNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The text of INFO: Redis's sections and field names where a client or tool reads them (redis-cli
 * looks for {@code redis_version:}, Lettuce's topology discovery for {@code role:} and the
 * {@code slaveN:} lines), and this store's own fields (epoch, commit offset, lag) prefixed {@code kv_}.
 */
final class InfoReport {

    static final List<String> SECTIONS = List.of("server", "clients", "memory", "persistence", "stats", "replication",
            "keyspace");

    private InfoReport() {
    }

    /** Everything INFO shows, gathered at one moment. */
    record Facts(NodeStatus status, List<StoreNode.SecondaryView> secondaries, int keys, int expires, int respPort,
                 int maxClients,
                 RespStats stats, String fsync, long rssBytes, String primaryHost, int primaryRespPort) {
    }

    /** The sections asked for ("default", "all" or "everything", or none: every section). */
    static String render(Facts facts, Set<String> asked) {
        boolean all = asked.isEmpty() || asked.contains("all") || asked.contains("default")
                || asked.contains("everything");
        StringBuilder text = new StringBuilder();
        for (String section : SECTIONS) {
            if (all || asked.contains(section)) {
                if (!text.isEmpty()) {
                    text.append("\r\n");
                }
                text.append("# ").append(Character.toUpperCase(section.charAt(0))).append(section.substring(1))
                        .append("\r\n");
                section(text, section, facts);
            }
        }
        return text.toString();
    }

    private static void section(StringBuilder text, String section, Facts facts) {
        NodeStatus status = facts.status();
        switch (section) {
            case "server" -> {
                field(text, "redis_version", ConnectionCommands.REDIS_VERSION);
                field(text, "kv_version", version());
                field(text, "redis_mode", "standalone");
                field(text, "os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
                field(text, "arch_bits", "64");
                field(text, "process_id", ProcessHandle.current().pid());
                field(text, "tcp_port", facts.respPort());
                field(text, "uptime_in_seconds", (System.currentTimeMillis() - facts.stats().startedAtMillis) / 1000);
                field(text, "kv_node_id", status.nodeId());
            }
            case "clients" -> {
                field(text, "connected_clients", facts.stats().connected());
                field(text, "maxclients", facts.maxClients());
            }
            case "memory" -> {
                field(text, "used_memory", status.memoryUsedBytes());
                field(text, "used_memory_human", human(status.memoryUsedBytes()));
                field(text, "used_memory_rss", facts.rssBytes());
                field(text, "used_memory_rss_human", human(facts.rssBytes()));
                field(text, "maxmemory", status.memoryLimitBytes());
                field(text, "maxmemory_human", human(status.memoryLimitBytes()));
                field(text, "maxmemory_policy", "noeviction");
            }
            case "persistence" -> {
                field(text, "loading", "0");
                field(text, "aof_enabled", "1");
                field(text, "kv_fsync", facts.fsync());
                field(text, "kv_disk_failure", status.diskFailure() == null ? "" : status.diskFailure());
                field(text, "kv_disk_free_bytes", status.diskFreeBytes());
            }
            case "stats" -> {
                field(text, "total_connections_received", facts.stats().connectionsReceived());
                field(text, "total_commands_processed", facts.stats().commands());
                field(text, "rejected_connections", facts.stats().connectionsRejected());
                field(text, "kv_socket_writes", facts.stats().socketWrites());
            }
            case "replication" -> replication(text, facts);
            case "keyspace" -> {
                if (facts.keys() > 0) {
                    field(text, "db0", "keys=" + facts.keys() + ",expires=" + facts.expires() + ",avg_ttl=0");
                }
            }
            default -> throw new IllegalArgumentException(section);
        }
    }

    private static void replication(StringBuilder text, Facts facts) {
        NodeStatus status = facts.status();
        boolean primary = status.role().equals("primary");
        field(text, "role", primary ? "master" : "slave");
        if (primary) {
            field(text, "connected_slaves", facts.secondaries().size());
            int i = 0;
            for (StoreNode.SecondaryView secondary : facts.secondaries()) {
                field(text, "slave" + i++, "ip=" + secondary.host() + ",port="
                        + (secondary.respPort() > 0 ? secondary.respPort() : facts.respPort()) + ",state=online,offset="
                        + secondary.ackedOffset() + ",lag=0,kv_node=" + secondary.nodeId());
            }
        } else {
            field(text, "master_host", facts.primaryHost() == null ? "" : facts.primaryHost());
            // a primary of format 1 does not say its port: in Kubernetes every store uses the same one
            field(text, "master_port", facts.primaryRespPort() > 0 ? facts.primaryRespPort() : facts.respPort());
            field(text, "master_link_status", status.following() ? "up" : "down");
            field(text, "slave_repl_offset", status.appliedOffset());
            field(text, "slave_read_only", "1");
            field(text, "connected_slaves", "0");
        }
        field(text, "master_repl_offset", status.lastOffset());
        field(text, "kv_role", status.role());
        field(text, "kv_epoch", status.epoch());
        field(text, "kv_commit_offset", status.commitOffset());
        field(text, "kv_applied_offset", status.appliedOffset());
        field(text, "kv_lag", status.lag());
        field(text, "kv_mode", status.mode());
        field(text, "kv_min_sync_replicas", status.minSyncReplicas());
    }

    private static void field(StringBuilder text, String name, Object value) {
        text.append(name).append(':').append(value).append("\r\n");
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        String[] units = {"K", "M", "G", "T"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f%s", value, units[unit]);
    }

    private static String version() {
        String version = InfoReport.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
