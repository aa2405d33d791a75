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
 * to points after it. Entries a failover dropped (asynchronous replication) are deleted from the archive, newest
 * first, until it agrees with the primary again. One archiver per cluster and storage: it is not safe to run two.
 */
public final class LogArchiver {

    /** How far the archive certifies the log complete; rewritten as that advances. */
    public static final String HEAD = "kvlog.head"; // not .json: that is what a backup's manifest ends with
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEGMENT_BYTES = 8L * 1024 * 1024;
    private static final int MAX_READS_PER_ROUND = 64;

    /** {@code throughMillis}: every write acknowledged before it is at or below {@code last}. */
    public record Head(long last, long lastEpoch, long throughMillis) {
    }

    /**
     * What a round did.
     *
     * @param throughMillis how far the archive is certified complete now (0: not yet)
     * @param trouble       a gap or a divergence met on the way, in words, or null
     */
    public record Round(int segmentsWritten, long last, long throughMillis, String trouble) {
    }

    private final BackupStorage storage;
    private final AdminClient admin;
    private List<ArchiveSegment> segments;
    private Head head;

    public LogArchiver(BackupStorage storage, AdminClient admin) {
        this.storage = storage;
        this.admin = admin;
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

    /** One round against the primary whose admin API is at {@code primaryAdminUrl}. */
    public Round archive(String primaryAdminUrl) throws IOException {
        if (segments == null) {
            segments = segments(storage);
            head = head(storage);
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
            } catch (AdminClient.AdminCallException refused) {
                if (refused.status() == 409 && tail != null && !fromLogStart) {
                    // the primary's log lost what this segment ends with: it never happened in the cluster's history
                    storage.delete(tail.name());
                    segments.remove(segments.size() - 1);
                    trouble = "deleted " + tail.name() + " from the archive: " + refused.getMessage();
                    continue;
                }
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
                long last = segments.isEmpty() ? chunk.last() : segments.get(segments.size() - 1).end();
                long lastEpoch = segments.isEmpty() ? chunk.lastEpoch() : segments.get(segments.size() - 1).endEpoch();
                if (last == chunk.last()) {
                    head = new Head(last, lastEpoch, chunk.coveredThroughMillis());
                    storage.writeSmall(HEAD, (JSON.writeValueAsString(head) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                break;
            }
            if (chunk.entries().length == 0) {
                break; // nothing committed after the archive yet, and nothing certified: the next round
            }
        }
        ArchiveSegment tail = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        return new Round(written, tail == null ? 0 : tail.end(), head == null ? 0 : head.throughMillis(), trouble);
    }
}
