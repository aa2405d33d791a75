package dev.kvstore.backup;

import dev.kvstore.core.disk.RestorePoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a restore to a point in time needs: the backup to start from and the archived segments to replay after
 * it, in order, through the one that reaches the point (the store cuts at the point itself). Refused, with the
 * reason, when no backup is before the point, the archive does not go on from the backup, or it does not reach
 * the point yet.
 */
public record RestorePlan(Backups.Manifest backup, List<ArchiveSegment> segments, RestorePoint point) {

    /**
     * @param backups  the complete backups in the storage
     * @param named    the backup the user named, or null for the newest one before the point
     * @param head     the archive's head, or null
     */
    public static RestorePlan choose(List<Backups.Manifest> backups, String named, List<ArchiveSegment> segments,
                                     LogArchiver.Head head, RestorePoint point) {
        Backups.Manifest backup = named != null ? named(backups, named, point) : newestBefore(backups, point);
        long from = backup.offset();
        List<ArchiveSegment> chain = new ArrayList<>();
        // from the segment that holds the backup's last entry: the store checks that entry's epoch against the
        // backup's, so that a backup of another history is never replayed on
        long next = Math.max(1, from);
        for (ArchiveSegment segment : segments.stream().sorted(Comparator.comparingLong(ArchiveSegment::start)).toList()) {
            if (segment.end() < next) {
                continue; // before the backup, or wholly within what the chain holds (written twice)
            }
            if (segment.start() > next && chain.isEmpty() && from > 0) {
                throw new IllegalArgumentException("the archived log does not hold the backup " + backup.name() + "'s"
                        + " last entry (offset " + from + "; the archive has offset " + segment.start() + " next): it"
                        + " started after the backup or fell behind it; restore from a backup after offset "
                        + (segment.start() - 1));
            }
            if (segment.start() > next) {
                throw new IllegalArgumentException("the archived log misses offsets " + next + " to " + (segment.start() - 1)
                        + " after the backup " + backup.name() + " (the archive fell behind, or was started after it):"
                        + " restore from a backup after offset " + (segment.start() - 1));
            }
            chain.add(segment);
            next = segment.end() + 1;
            if (reaches(segment, point)) {
                return new RestorePlan(backup, chain, point);
            }
        }
        long last = next - 1;
        boolean headVouches = head != null && head.last() == last
                && (chain.isEmpty() || head.lastEpoch() == chain.get(chain.size() - 1).endEpoch());
        if (point instanceof RestorePoint.AtTime at && headVouches && head.throughMillis() >= at.millis()) {
            return new RestorePlan(backup, chain, point); // nothing was written between the archive's end and the point
        }
        if (point instanceof RestorePoint.AtTime at) {
            long through = Math.max(!headVouches ? 0 : head.throughMillis(),
                    chain.isEmpty() ? 0 : chain.get(chain.size() - 1).throughMillis());
            throw new IllegalArgumentException("the archived log is complete only through "
                    + (through == 0 ? "no known time" : Instant.ofEpochMilli(through).toString()) + " (offset " + last
                    + "), not yet through " + at + ": wait for the archive to catch up, or restore to an earlier point");
        }
        throw new IllegalArgumentException("the archived log ends at offset " + last + ", before the restore point " + point);
    }

    /**
     * The plan for {@code point} from what {@code storage} holds: its complete backups (every manifest read),
     * archived segments and head.
     *
     * @throws IOException when the storage cannot be read, or no restore to the point is possible there (why)
     */
    public static RestorePlan in(BackupStorage storage, String named, RestorePoint point) throws java.io.IOException {
        List<Backups.Manifest> manifests = new ArrayList<>();
        for (String manifest : storage.list(Backups.MANIFEST)) {
            manifests.add(Backups.manifest(storage, manifest));
        }
        try {
            return choose(manifests, named, LogArchiver.segments(storage), LogArchiver.head(storage), point);
        } catch (IllegalArgumentException refused) {
            throw new java.io.IOException("no restore to " + point + " from " + storage.describe("") + ": "
                    + refused.getMessage(), refused);
        }
    }

    private static boolean reaches(ArchiveSegment segment, RestorePoint point) {
        return point instanceof RestorePoint.AtTime at ? segment.throughMillis() >= at.millis()
                : segment.end() >= ((RestorePoint.AtPosition) point).offset();
    }

    private static Backups.Manifest named(List<Backups.Manifest> backups, String name, RestorePoint point) {
        Backups.Manifest backup = backups.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no complete backup named " + name));
        if (!before(backup, point)) {
            throw new IllegalArgumentException("the backup " + name + " is not before the restore point " + point + " ("
                    + describe(backup) + "): name an earlier backup, or none to have the newest before it chosen");
        }
        return backup;
    }

    private static Backups.Manifest newestBefore(List<Backups.Manifest> backups, RestorePoint point) {
        Optional<Backups.Manifest> newest = backups.stream().filter(m -> before(m, point))
                .max(Comparator.comparingLong(Backups.Manifest::offset));
        return newest.orElseThrow(() -> new IllegalArgumentException("no complete backup is before the restore point "
                + point + " (a restore replays the archived log after a backup): "
                + (backups.isEmpty() ? "there is none" : "the earliest is " + describe(backups.stream()
                        .min(Comparator.comparingLong(Backups.Manifest::offset)).get()))));
    }

    /**
     * A backup is a start for a point when everything it holds was written at or before the point: its snapshot
     * was taken before it finished, so a point in time must be at or after that; a position at or after its end.
     */
    static boolean before(Backups.Manifest backup, RestorePoint point) {
        if (point instanceof RestorePoint.AtTime at) {
            return Instant.parse(backup.finished()).toEpochMilli() <= at.millis();
        }
        return backup.offset() <= ((RestorePoint.AtPosition) point).offset();
    }

    private static String describe(Backups.Manifest backup) {
        return backup.name() + ": offset " + backup.offset() + ", finished " + backup.finished();
    }
}
