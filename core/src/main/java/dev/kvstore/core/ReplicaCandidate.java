package dev.kvstore.core;

/**
 * A secondary as seen by the failover: its name and, when it answered the fencing call, its log position.
 * {@code promotable} is false for a store fenced for maintenance: its log still counts (it holds what it
 * held, and acknowledges nothing more), but it is never the one promoted.
 */
public record ReplicaCandidate(String name, boolean reachable, Position position, boolean promotable) {

    public static ReplicaCandidate answered(String name, Position position) {
        return new ReplicaCandidate(name, true, position, true);
    }

    /** A store fenced for maintenance that answered: counted among the logs, never promoted. */
    public static ReplicaCandidate fencedForMaintenance(String name, Position position) {
        return new ReplicaCandidate(name, true, position, false);
    }

    public static ReplicaCandidate unreachable(String name) {
        return new ReplicaCandidate(name, false, Position.EMPTY, false);
    }
}
