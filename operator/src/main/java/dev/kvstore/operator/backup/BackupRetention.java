package dev.kvstore.operator.backup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which backups of a schedule to delete: all but the newest {@code keepLast} complete ones, and the failed ones
 * older than the oldest of those kept (a failure newer than it still tells something). One not finished is never
 * deleted, nor is anything while fewer than {@code keepLast} are complete.
 */
public final class BackupRetention {

    /** A backup as retention sees it: a name, when it was made (ISO-8601, as Kubernetes writes it), and its phase. */
    public record Entry(String name, String created, boolean completed, boolean failed) {
    }

    private BackupRetention() {
    }

    public static List<String> toDelete(List<Entry> backups, int keepLast) {
        List<Entry> newestFirst = new ArrayList<>(backups);
        newestFirst.sort(Comparator.comparing((Entry e) -> java.time.Instant.parse(e.created())).reversed()
                .thenComparing(Entry::name, Comparator.reverseOrder()));
        List<String> delete = new ArrayList<>();
        int completed = 0;
        for (Entry backup : newestFirst) {
            if (completed >= keepLast && (backup.completed() || backup.failed())) {
                delete.add(backup.name());
            }
            if (backup.completed()) {
                completed++;
            }
        }
        return delete;
    }
}
