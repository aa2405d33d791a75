package dev.kvstore.backup;

import dev.kvstore.core.admin.NodeStatus;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Which store a backup is taken from, and the least it must cover. By default a secondary that applied all
 * the primary has committed (the backup is as recent as the primary's own, and the primary's writes do not
 * pause), else the primary: of several stores that claim to be primary (one fenced, not yet told), the one
 * of the highest epoch. A store that can no longer make writes durable is never chosen.
 *
 * @param store         the store's name
 * @param atLeastOffset what it had applied when chosen: a backup it gives must end there or later
 */
public record BackupSource(String store, long atLeastOffset) {

    /**
     * @param statuses the stores that answered, by name, in the cluster's order
     * @param named    the store the user named, or null to choose
     */
    public static Optional<BackupSource> choose(Map<String, NodeStatus> statuses, String named) {
        if (named != null) {
            NodeStatus status = statuses.get(named);
            return status == null || !status.canPersist() ? Optional.empty()
                    : Optional.of(new BackupSource(named, status.appliedOffset()));
        }
        Optional<Map.Entry<String, NodeStatus>> primary = statuses.entrySet().stream()
                .filter(entry -> "primary".equals(entry.getValue().role()) && !entry.getValue().fenced()
                        && entry.getValue().canPersist())
                .max(Comparator.comparingLong(entry -> entry.getValue().epoch()));
        if (primary.isEmpty()) {
            return Optional.empty();
        }
        long committed = primary.get().getValue().commitOffset();
        long epoch = primary.get().getValue().epoch();
        // in sync: following that primary now, in its term, and applied all it committed
        return statuses.entrySet().stream()
                .filter(entry -> "secondary".equals(entry.getValue().role()) && entry.getValue().canPersist()
                        && entry.getValue().following() && entry.getValue().epoch() == epoch
                        && entry.getValue().appliedOffset() >= committed)
                .findFirst()
                .or(() -> primary)
                .map(entry -> new BackupSource(entry.getKey(), entry.getValue().appliedOffset()));
    }
}
