package dev.kvstore.store.snapshot;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.core.disk.RestorePoint;
import dev.kvstore.core.disk.RestoreTarget;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.ReplicationLog;
import dev.kvstore.store.node.PersistentEpoch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code kv.restore-from}: a new store's data directory seeded from a backup (a snapshot, as
 * {@code GET /v1/admin/backup} gives it) before the store opens it. Once only: the directory then holds the
 * backup's snapshot, the epoch of its last entry, and a mark naming the backup, so that the store starting
 * again with the same setting goes on from its own data. A directory that holds a store's data already is
 * never overwritten: restoring in place would throw away writes the cluster acknowledged since.
 */
public final class RestoreFromBackup {

    static final String MARK = RestoreTarget.MARK;

    private RestoreFromBackup() {
    }

    /** What was restored: the last offset and epoch the backup covers. */
    public record Restored(long offset, long epoch, boolean now) {
    }

    /**
     * Seeds {@code dataDir} from {@code backup} unless it was seeded from it before.
     *
     * @throws IOException when the backup is not one whole, intact snapshot, or the directory holds other data
     */
    public static Restored prepare(Path dataDir, Path backup, int maxEntryBytes, DiskSync disk) throws IOException {
        return prepare(dataDir, backup, null, maxEntryBytes, disk);
    }

    /**
     * @param restoreId which restore this is ({@code kv.restore-id}: the operator gives the KVCluster's uid), or
     *     null: a directory another restore of the same backup seeded (a cluster deleted, its volumes kept, and made
     *     again under the same name) holds that cluster's writes since, and is refused rather than gone on from
     */
    public static Restored prepare(Path dataDir, Path backup, String restoreId, int maxEntryBytes, DiskSync disk)
            throws IOException {
        return prepare(dataDir, backup, null, restoreId, maxEntryBytes, disk);
    }

    /**
     * The archived log after a backup and where to stop in it ({@code kv.restore-log}, {@code kv.restore-to}): the
     * data directory is seeded with the backup's snapshot and, as its log, the archived entries up to the point.
     */
    public record ToPoint(Path archivedLog, RestorePoint point) {
    }

    /** @param toPoint the archived log and the point to restore to, or null for the backup's own point */
    public static Restored prepare(Path dataDir, Path backup, ToPoint toPoint, String restoreId, int maxEntryBytes,
                                   DiskSync disk) throws IOException {
        if (!Files.isRegularFile(backup)) {
            throw new IOException("kv.restore-from: no backup file at " + backup);
        }
        SnapshotFile.Header source = verified(backup, backup, maxEntryBytes);
        String fileIdentity = identityOf(source, backup);
        String identity = fileIdentity + (toPoint == null ? "" : " to=" + toPoint.point())
                + (restoreId == null ? "" : " restore=" + restoreId);
        long epoch = epochOf(source);
        switch (RestoreTarget.of(dataDir)) {
            case RESTORED -> {
                String earlier = RestoreTarget.restoredFrom(dataDir);
                if (earlier.equals(identity)) {
                    return new Restored(source.lastIncludedOffset(), epoch, false);
                }
                throw new IOException("kv.restore-from: the data directory " + dataDir + " was restored from another"
                        + " backup, or by another restore (" + earlier + ", not " + identity + "); a directory is restored"
                        + " into once and then holds its cluster's writes: start this backup's cluster in new, empty data"
                        + " directories (delete the volume claims a cluster of the same name left)");
            }
            case HOLDS_DATA -> throw new IOException("kv.restore-from: the data directory " + dataDir + " already holds"
                    + " a store's data; a backup is restored into a new cluster (empty data directories), never in"
                    + " place: start the new cluster elsewhere with kv.restore-from, or remove this directory first if"
                    + " its data is to go");
            case EMPTY, CUT_SHORT -> { }
        }
        // only now: a directory restored once goes on from its own data, whatever became of the files it came from
        if (toPoint != null && !Files.isRegularFile(toPoint.archivedLog())) {
            throw new IOException("kv.restore-log: no archived log at " + toPoint.archivedLog());
        }
        // what a restore cut short left (perhaps of another backup, with a higher epoch that would outlive it)
        for (String leftover : new String[] {SnapshotFile.NAME, SnapshotFile.NAME + ".restore", "epoch", "epoch.tmp",
                RestoreTarget.LOG, RestoreTarget.COMMIT_HINT}) {
            Files.deleteIfExists(dataDir.resolve(leftover));
        }
        DurableFiles files = new DurableFiles(disk);
        files.createDirectories(dataDir);
        // first: from here on, what this restore leaves if cut short is told from a store's own files
        Path begun = dataDir.resolve(RestoreTarget.BEGUN);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(begun,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap((identity + "\n").getBytes(StandardCharsets.UTF_8)));
            files.created(channel, begun);
        }
        Path copy = dataDir.resolve(SnapshotFile.NAME + ".restore");
        Files.copy(backup, copy, StandardCopyOption.REPLACE_EXISTING);
        // the copy is what the store will read: checked itself, not only the file it came from
        SnapshotFile.Header copied = verified(copy, backup, maxEntryBytes);
        if (!identityOf(copied, copy).equals(fileIdentity)) {
            throw new IOException("kv.restore-from: " + backup + " changed while it was copied; nothing was restored");
        }
        long lastOffset = source.lastIncludedOffset();
        if (toPoint != null) {
            ArchivedLogCut.Result cut = writeLog(dataDir, copied, epoch, toPoint, maxEntryBytes, disk);
            lastOffset = cut.lastOffset();
            epoch = cut.lastEpoch();
        }
        // the log goes on after the last entry restored, in that entry's epoch: a new primary's epoch is higher
        new PersistentEpoch(dataDir, disk).raiseTo(epoch);
        files.replace(copy, dataDir.resolve(SnapshotFile.NAME));
        // last: until the mark is there, a crash leaves a directory a restart restores into again
        files.move(begun, dataDir.resolve(MARK));
        return new Restored(lastOffset, epoch, true);
    }

    /**
     * The archived entries after the snapshot up to the point, as the data directory's log (forced before the
     * mark is written): the store applies them once its cluster commits again, as it does its own log.
     */
    private static ArchivedLogCut.Result writeLog(Path dataDir, SnapshotFile.Header snapshot, long snapshotEpoch,
                                                  ToPoint toPoint, int maxEntryBytes, DiskSync disk) throws IOException {
        ReplicationLog log = new ReplicationLog(dataDir, disk, FsyncPolicy.ALWAYS, maxEntryBytes,
                snapshot.lastIncludedOffset(), snapshot.history());
        ArchivedLogCut.Result cut;
        try (log) {
            cut = ArchivedLogCut.cut(toPoint.archivedLog(), snapshot.lastIncludedOffset(), snapshotEpoch,
                    toPoint.point(), maxEntryBytes, log::appendReplicated);
        }
        // closing forces the log, unless writing or forcing it failed: then it is not on disk, and no mark follows
        if (log.failure() != null) {
            throw new IOException("kv.restore-log: the archived entries could not be made durable in " + dataDir + ": "
                    + log.failure().getMessage() + "; nothing was restored", log.failure());
        }
        // the source committed them: the store applies them as it opens (in chunks), not as one backlog read whole
        // at its first promotion and applied on a replication loop at its term's first commit
        Path hint = dataDir.resolve(RestoreTarget.COMMIT_HINT);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(hint,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(0, cut.lastOffset()));
            new DurableFiles(disk).created(channel, hint);
        }
        return cut;
    }

    private static SnapshotFile.Header verified(Path file, Path backup, int maxEntryBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return SnapshotFile.verify(in, maxEntryBytes);
        } catch (IOException damaged) {
            throw new IOException("kv.restore-from: " + backup + " is not a whole, intact backup ("
                    + damaged.getMessage() + "); nothing was restored", damaged);
        }
    }

    private static long epochOf(SnapshotFile.Header header) {
        return header.lastIncludedOffset() == 0 ? 0 : header.history().epochAt(header.lastIncludedOffset());
    }

    /** The backup's own facts (its end, its checksum), not its path: the same backup copied elsewhere is the same. */
    private static String identityOf(SnapshotFile.Header header, Path backup) throws IOException {
        try (java.nio.channels.FileChannel file = java.nio.channels.FileChannel.open(backup)) {
            java.nio.ByteBuffer checksum = java.nio.ByteBuffer.allocate(Long.BYTES);
            file.read(checksum, file.size() - Long.BYTES);
            return "offset=" + header.lastIncludedOffset() + " entries=" + header.entries() + " checksum="
                    + Long.toHexString(checksum.flip().getLong());
        }
    }
}
