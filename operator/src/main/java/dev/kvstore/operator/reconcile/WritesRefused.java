package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.NodeStatus;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The {@code WritesRefused} condition: which stores refuse writes for lack of room (memory budget
 * reached, data volume nearly full) and why, so that {@code kubectl get kvc} says why writes fail
 * while the cluster is otherwise healthy. A failover would not help: every store holds the same data.
 */
record WritesRefused(boolean refused, String reason, String message) {

    static final String TYPE = "WritesRefused";

    static WritesRefused of(Map<String, NodeStatus> statuses) {
        StringJoiner message = new StringJoiner("; ");
        String reason = null;
        for (var entry : statuses.entrySet()) {
            String why = entry.getValue().writesRefusedReason();
            if (why != null) {
                message.add(entry.getKey() + ": " + why);
                if (reason == null) {
                    reason = why.startsWith("disk") ? "DiskNearlyFull" : "MemoryBudgetReached";
                }
            }
        }
        return reason == null ? new WritesRefused(false, "None", "")
                : new WritesRefused(true, reason, message + ". Delete keys, or raise the memory limit or the volume size");
    }
}
