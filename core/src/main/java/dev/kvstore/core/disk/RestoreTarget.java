package dev.kvstore.core.disk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a data directory is to a restore from a backup: one rule for the store ({@code kv.restore-from})
 * and for {@code kv local --restore-from}, so that both refuse the same directories. A restore writes
 * {@link #BEGUN} (naming the backup) before anything else and renames it to {@link #MARK} last; a directory
 * is restored into only when it is empty, or holds nothing but what a restore cut short left behind.
 */
public final class RestoreTarget {

    /** The backup a completed restore seeded this directory from. */
    public static final String MARK = "restored-from";
    /** A restore began here: written first, so that what it leaves when cut short is told from a store's own files. */
    public static final String BEGUN = MARK + ".part";
    /** The store's log, which a restore to a point in time writes (the archived entries after the backup). */
    public static final String LOG = "replication.log";
    /** The store's commit hint, which a restore to a point in time writes (its entries are committed). */
    public static final String COMMIT_HINT = "commit-hint";
    /** Everything a restore writes (the store's snapshot, epoch and log files), and the volume's own directory. */
    private static final Set<String> LEFT_BY_A_RESTORE = Set.of("lost+found", BEGUN, "snapshot", "snapshot.restore",
            "epoch", "epoch.tmp", LOG, COMMIT_HINT);

    public enum State {
        /** No directory, or nothing in it: restore. */
        EMPTY,
        /** A restore began and did not finish (a crash), and no store has opened it: restore again. */
        CUT_SHORT,
        /** A restore finished here: the store goes on from its own data if it was this backup. */
        RESTORED,
        /** A store's data (or files nobody can account for): never overwritten. */
        HOLDS_DATA
    }

    private RestoreTarget() {
    }

    public static State of(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            return State.EMPTY;
        }
        if (Files.exists(dataDir.resolve(MARK))) {
            return State.RESTORED;
        }
        boolean begun = Files.exists(dataDir.resolve(BEGUN));
        // a log and a commit hint are a restore's own only when the restore was to a point in time (it writes the
        // archived entries); a store that opened the directory left more (its quarantine directory), and holds data
        boolean writesLog = begun && Files.readString(dataDir.resolve(BEGUN), StandardCharsets.UTF_8).contains(" to=");
        try (Stream<Path> entries = Files.list(dataDir)) {
            boolean onlyRestoreFiles = entries.allMatch(entry -> begun
                    ? LEFT_BY_A_RESTORE.contains(entry.getFileName().toString())
                            && (writesLog || !(entry.getFileName().toString().equals(LOG)
                                    || entry.getFileName().toString().equals(COMMIT_HINT)))
                    : entry.getFileName().toString().equals("lost+found"));
            if (!onlyRestoreFiles) {
                return State.HOLDS_DATA;
            }
        }
        return begun ? State.CUT_SHORT : State.EMPTY;
    }

    /** The backup a completed restore names in {@link #MARK}. */
    public static String restoredFrom(Path dataDir) throws IOException {
        return Files.readString(dataDir.resolve(MARK), StandardCharsets.UTF_8).trim();
    }
}
