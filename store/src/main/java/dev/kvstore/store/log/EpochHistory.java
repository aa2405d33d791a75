package dev.kvstore.store.log;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The first offset of every epoch in a log, oldest first. Entries with the same (epoch, offset)
 * are the same entry (only one primary per epoch, and it assigns offsets once), so two logs agree
 * up to the last offset where their epochs agree. Immutable.
 */
public record EpochHistory(List<Start> starts) {

    /** Epoch {@code epoch} begins at {@code offset}. */
    public record Start(long epoch, long offset) {
    }

    public static final EpochHistory EMPTY = new EpochHistory(List.of());

    public EpochHistory {
        starts = List.copyOf(starts);
        for (int i = 1; i < starts.size(); i++) {
            if (starts.get(i).epoch() <= starts.get(i - 1).epoch() || starts.get(i).offset() <= starts.get(i - 1).offset()) {
                throw new IllegalArgumentException("epoch history must grow in both epoch and offset: " + starts);
            }
        }
    }

    /** The history after an entry of {@code epoch} was appended at {@code offset}. */
    public EpochHistory withEntry(long epoch, long offset) {
        if (!starts.isEmpty() && starts.get(starts.size() - 1).epoch() == epoch) {
            return this;
        }
        List<Start> next = new ArrayList<>(starts);
        next.add(new Start(epoch, offset));
        return new EpochHistory(next);
    }

    /** The history of the log cut after {@code lastKept}. */
    public EpochHistory truncatedAfter(long lastKept) {
        List<Start> kept = starts.stream().filter(s -> s.offset() <= lastKept).toList();
        return kept.size() == starts.size() ? this : new EpochHistory(kept);
    }

    /** Epoch of the entry at {@code offset} (which must exist in the log), 0 for offset 0. */
    public long epochAt(long offset) {
        if (offset <= 0) {
            return 0;
        }
        int index = Collections.binarySearch(starts.stream().map(Start::offset).toList(), offset);
        int at = index >= 0 ? index : -index - 2;
        return at < 0 ? 0 : starts.get(at).epoch();
    }

    /**
     * The last offset at which two logs hold the same entry. A follower keeps its log up to there
     * and moves the rest aside. Agreement is prefix-closed, so a binary search finds the boundary.
     */
    public static long commonPrefix(EpochHistory a, long lastA, EpochHistory b, long lastB) {
        long low = 0;
        long high = Math.min(lastA, lastB);
        while (low < high) {
            long mid = low + (high - low + 1) / 2;
            if (a.epochAt(mid) == b.epochAt(mid)) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    public long lastEpoch() {
        return starts.isEmpty() ? 0 : starts.get(starts.size() - 1).epoch();
    }
}
