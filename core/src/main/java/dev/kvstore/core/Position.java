package dev.kvstore.core;

/**
 * Where a replica's log ends: the epoch of its last entry and that entry's offset.
 * Two logs that hold an entry with the same (epoch, offset) are identical up to it,
 * so comparing positions (epoch first) tells which log is the most up to date.
 */
public record Position(long epoch, long offset) implements Comparable<Position> {

    public static final Position EMPTY = new Position(0, 0);

    public Position {
        if (epoch < 0 || offset < 0) {
            throw new IllegalArgumentException("epoch and offset must be >= 0, got " + epoch + "/" + offset);
        }
    }

    @Override
    public int compareTo(Position other) {
        int byEpoch = Long.compare(epoch, other.epoch);
        return byEpoch != 0 ? byEpoch : Long.compare(offset, other.offset);
    }

    @Override
    public String toString() {
        return epoch + "/" + offset;
    }
}
