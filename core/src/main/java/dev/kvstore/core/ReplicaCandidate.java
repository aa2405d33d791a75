package dev.kvstore.core;

/** A secondary as seen by the failover: its name and, when it answered the fencing call, its log position. */
public record ReplicaCandidate(String name, boolean reachable, Position position) {

    public static ReplicaCandidate answered(String name, Position position) {
        return new ReplicaCandidate(name, true, position);
    }

    public static ReplicaCandidate unreachable(String name) {
        return new ReplicaCandidate(name, false, Position.EMPTY);
    }
}
