package dev.kvstore.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.LogRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps a cluster's log archived beside its backups: each round asks the primary for its committed entries
 * after the archive's last one and stores them as {@link ArchiveSegment}s, then records in {@link #HEAD} how far
 * the archive certifies the log complete. With a backup before it, the archive is what a restore to a point in
 * time replays. Entries the primary no longer holds (it compacted them into its snapshot while the archive
 * was behind) leave a gap: the archive starts over from the primary's log, and backups after the gap restore
 * to points after it. Entries a failover dropped (asynchronous replication) are set aside (renamed
 * {@value #SET_ASIDE}...), newest first, until the archive agrees with the primary again; only a primary of a later
 * term than the entries set aside can make that happen (a deposed one answering late cannot). One archiver per
 * cluster and storage: it is not safe to run two.
 */
public final class LogArchiver {

    /** How far the archive certifies the log complete; rewritten as that advances. */
    public static final String HEAD = "kvlog.head"; // not .json: that is what a backup's manifest ends with
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEGMENT_BYTES = 4L * 1024 * 1024;
    /** What a segment set aside is renamed with: kept for the record, never listed as the archive's. */
    public static final String SET_ASIDE = "kvlog-dropped-";
    private static final int MAX_READS_PER_ROUND = 64;

    /**
     * {@code throughMillis}: every write acknowledged at or before it is at or below {@code last}. {@code owner}: the
     * cluster whose log this is (a KVCluster's uid, a local cluster's directory); null in a head of before owners.
     */
    public record Head(long last, long lastEpoch, long throughMillis, String owner) {
        public Head(long last, long lastEpoch, long throughMillis) {
            this(last, lastEpoch, throughMillis, null);
        }
    }

    /**
     * What a round did.
     *
     * @param throughMillis how far the archive is certified complete now (0: not yet)
     * @param trouble       a gap or a divergence met on the way, in words, or null
     * @param stuck         nothing could be archived for a reason that lasts (another cluster's archive, a
     *                      primary that does not hold it): {@code trouble} says which
     */
    public record Round(int segmentsWritten, long last, long throughMillis, String trouble, boolean stuck) {
    }

    private final BackupStorage storage;
    private final String owner;
    private List<ArchiveSegment> segments;
    private Head head;

    /**
     * @param owner the cluster whose log this archives: an archive another cluster's head names is never written
     *              to (a cluster made again under the same name, or restored with the same storage path, has a
     *              history of its own after the point it started from)
     */
    public LogArchiver(BackupStorage storage, String owner) {
        this.storage = storage;
        this.owner = owner;
    }

    /** The archive as the storage lists it, sorted by start. */
    public static List<ArchiveSegment> segments(BackupStorage storage) throws IOException {
        List<ArchiveSegment> found = new ArrayList<>();
        for (String name : storage.list(ArchiveSegment.SUFFIX)) {
            ArchiveSegment.parse(name).ifPresent(found::add);
        }
        found.sort(Comparator.comparingLong(ArchiveSegment::start));
        return found;
    }

    /** The archive's head, or null when none was written. */
    public static Head head(BackupStorage storage) throws IOException {
        if (!storage.list(HEAD).contains(HEAD)) {
            return null;
        }
        return JSON.readValue(storage.readSmall(HEAD), Head.class);
    }

    /**
     * One round against the primary whose admin API is at {@code primaryAdminUrl}, asked with {@code admin} (the
     * caller's current one: the cluster's secret and client certificate rotate).
     */
    public Round archive(AdminClient admin, String primaryAdminUrl) throws IOException {
        try {
            return round(admin, primaryAdminUrl);
        } catch (IOException | RuntimeException failed) {
            // what the storage holds may differ from what this knows (a write that failed after it was kept):
            // the next round lists it again
            segments = null;
            throw failed;
        }
    }

    private Round round(AdminClient admin, String primaryAdminUrl) throws IOException {
        if (segments == null) {
            segments = segments(storage);
            head = head(storage);
        }
        if (head != null && head.owner() != null && !head.owner().equals(owner)) {
            return new Round(0, head.last(), head.throughMillis(), "the archive at " + storage.describe("") + " is the"
                    + " log of another cluster (" + head.owner() + ", not " + owner + "): give this cluster a storage"
                    + " path of its own (a cluster made again, or restored, has a history of its own); nothing archived",
                    true);
        }
        int written = 0;
        String trouble = null;
        boolean fromLogStart = segments.isEmpty();
        for (int read = 0; read < MAX_READS_PER_ROUND; read++) {
            ArchiveSegment tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
            LogRequest request = fromLogStart || tail == null ? new LogRequest(-1, 0, SEGMENT_BYTES)
                    : new LogRequest(tail.end(), tail.endEpoch(), SEGMENT_BYTES);
            AdminClient.LogChunk chunk;
            try {
                chunk = admin.readLog(primaryAdminUrl, request);
            } catch (AdminClient.LogDiverged diverged) {
                if (tail == null || fromLogStart || tail.endEpoch() >= diverged.primaryTerm()) {
                    // a deposed primary answering late: its log is not the cluster's history
                    return new Round(written, tail == null ? 0 : tail.end(), head == null ? 0 : head.throughMillis(),
                            "a primary of term " + diverged.primaryTerm() + " does not hold the archive's entries (up to "
                            + "epoch " + (tail == null ? 0 : tail.endEpoch()) + "); nothing set aside: "
                            + diverged.getMessage(), written == 0);
                }
                setAside(tail);
                trouble = "set aside " + tail.name() + " (as " + SET_ASIDE + tail.name() + "): " + diverged.getMessage();
                continue;
            } catch (AdminClient.AdminCallException refused) {
                if (refused.status() == 410 && !fromLogStart) {
                    fromLogStart = true;
                    trouble = "gap in the archive after offset " + (tail == null ? 0 : tail.end()) + ": "
                            + refused.getMessage();
                    continue;
                }
                throw refused;
            }
            if (chunk.entries().length > 0) {
                ArchiveSegment segment = new ArchiveSegment(chunk.first(), chunk.last(), chunk.lastEpoch(),
                        chunk.coveredThroughMillis());
                storage.writeSmall(segment.name(), chunk.entries());
                segments.add(segment);
                written++;
                fromLogStart = false;
            }
            if (chunk.coveredThroughMillis() > 0) {
                ArchiveSegment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
                if (last != null && last.end() == chunk.last()) {
                    head = new Head(last.end(), last.endEpoch(), chunk.coveredThroughMillis(), owner);
                    storage.writeSmall(HEAD, (JSON.writeValueAsString(head) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                break;
            }
            if (chunk.entries().length == 0) {
                break; // nothing committed after the archive yet, and nothing certified: the next round
            }
        }
        ArchiveSegment tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        return new Round(written, tail == null ? 0 : tail.end(), head == null ? 0 : head.throughMillis(), trouble, false);
    }

    /**
     * Deletes the segments no complete backup in the storage needs: those ending before the oldest backup's last
     * offset (a restore starts from a backup and replays the segments after it). The newest segment stays
     * whatever happens: the archive goes on from it. Nothing when there is no backup yet (the archive is kept
     * for the first one). Answers how many went.
     */
    public int prune() throws IOException {
        long oldest = Long.MAX_VALUE;
        for (String manifest : storage.list(Backups.MANIFEST)) {
            oldest = Math.min(oldest, Backups.manifest(storage, manifest).offset());
        }
        if (oldest == Long.MAX_VALUE) {
            return 0;
        }
        List<ArchiveSegment> listed = segments(storage);
        int deleted = 0;
        for (ArchiveSegment segment : listed.subList(0, Math.max(0, listed.size() - 1))) {
            // the oldest backup's restore needs the segment holding its last entry (RestorePlan): only those before
            if (segment.end() < oldest) {
                storage.delete(segment.name());
                deleted++;
            }
        }
        if (deleted > 0) {
            segments = null; // listed again by the next round
        }
        return deleted;
    }

    /**
     * A segment whose entries the cluster's history dropped: kept under another name (for the record), then gone
     * from the archive, with the head (which vouched for it).
     */
    private void setAside(ArchiveSegment segment) throws IOException {
        byte[] bytes;
        try (java.io.InputStream in = storage.open(segment.name())) {
            bytes = in.readAllBytes();
        }
        storage.writeSmall(SET_ASIDE + segment.name(), bytes);
        storage.delete(HEAD);
        head = null;
        storage.delete(segment.name());
        segments.remove(segments.size() - 1);
    }
}
