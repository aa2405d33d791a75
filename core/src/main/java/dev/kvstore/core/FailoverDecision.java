package dev.kvstore.core;

/** The outcome of {@link FailoverPolicy#decide}: promote one replica, or wait and report why. */
public sealed interface FailoverDecision {

    /** Promote {@code candidate}. {@code possiblyLossy} is true when acknowledged writes may be missing. */
    record Promote(ReplicaCandidate candidate, boolean possiblyLossy, String reason) implements FailoverDecision {
    }

    /** Do not promote now: the cluster is degraded for {@code reason}; retry later or force. */
    record Wait(String reason) implements FailoverDecision {
    }
}
