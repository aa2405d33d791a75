package dev.kvstore.core;

import java.util.Comparator;
import java.util.List;

/**
 * Chooses which secondary to promote when the primary is lost. Shared by the local supervisor
 * and the operator, and free of I/O so that it can be property-tested.
 *
 * <p>In synchronous mode an acknowledged write sits on W = 1 + minSyncReplicas of the N pods. The
 * secondaries that answered are certain to include one holding every acknowledged write only when
 * they number at least N - W + 1 (R + W > N). Then the highest (epoch, offset) among them holds
 * every acknowledged write, because logs that agree on an (epoch, offset) agree on everything before.
 *
 * <p>The stores asked may include the old primary itself once it has answered its fence: fenced,
 * it acknowledges nothing more, and its log holds every write it acknowledged. So the N - W + 1
 * answers are counted over every fenced store that answered, the old primary included.
 *
 * <p>A store fenced for maintenance answers too and its log counts, but it is never promoted: when it is the
 * one furthest along, the writes only it holds may include acknowledged ones, so the choice waits (or is
 * forced) rather than promote a store behind it. Lifting its fence lets the next attempt promote it.
 */
public final class FailoverPolicy {

    private FailoverPolicy() {
    }

    /** How many secondaries must answer before an automatic promotion is safe. */
    public static int requiredAnswers(int clusterSize, int minSyncReplicas) {
        int writeQuorum = 1 + minSyncReplicas;
        return Math.max(1, clusterSize - writeQuorum + 1);
    }

    /**
     * The cluster size a first election (no primary known) is judged as. Any store may have been the last
     * primary: all of them count as secondaries of a cluster one larger, which asks for one answer more
     * than strictly needed. Never more than every store, though: with minSyncReplicas 0 the larger cluster
     * would ask for more answers than there are stores, and no cluster of that setting (a one-store cluster
     * among them) would ever elect one; every store answering leaves no log unheard.
     */
    public static int firstElectionSize(int stores, int minSyncReplicas) {
        return requiredAnswers(stores + 1, minSyncReplicas) > stores ? stores : stores + 1;
    }

    /**
     * Whether a failover can succeed at all when only {@code askable} secondaries have an address to
     * be asked at: when it cannot, the caller waits without handing out (and wasting) a new epoch.
     *
     * @return why it cannot succeed, or null when asking is worth it
     */
    public static String cannotSucceed(int clusterSize, int minSyncReplicas, ReplicationMode mode, int askable,
                                       boolean force) {
        if (askable == 0) {
            return "no secondary can be reached; nothing can be promoted";
        }
        int required = requiredAnswers(clusterSize, minSyncReplicas);
        if (mode == ReplicationMode.SYNC && !force && askable < required) {
            return "only " + askable + " secondaries can be reached; " + required
                    + " are needed to be sure no acknowledged write is lost (" + clusterSize + " pods, minSyncReplicas "
                    + minSyncReplicas + "); waiting, or request a forced promotion";
        }
        return null;
    }

    /**
     * @param clusterSize      N, all pods including the lost primary
     * @param minSyncReplicas  secondaries that must hold a write before it is acknowledged (sync mode)
     * @param mode             replication mode
     * @param secondaries      every secondary, reachable or not
     * @param force            the user explicitly asked for a promotion that may lose writes
     */
    public static FailoverDecision decide(int clusterSize, int minSyncReplicas, ReplicationMode mode,
                                          List<ReplicaCandidate> secondaries, boolean force) {
        List<ReplicaCandidate> answered = secondaries.stream().filter(ReplicaCandidate::reachable).toList();
        if (answered.isEmpty()) {
            return new FailoverDecision.Wait("no secondary answered; nothing can be promoted");
        }
        List<ReplicaCandidate> promotable = answered.stream().filter(ReplicaCandidate::promotable).toList();
        if (promotable.isEmpty()) {
            return new FailoverDecision.Wait("only stores fenced for maintenance answered (" + names(answered)
                    + "); nothing can be promoted until one is unfenced");
        }
        ReplicaCandidate best = furthest(promotable);
        ReplicaCandidate furthest = furthest(answered);
        String behindFenced = furthest.position().compareTo(best.position()) > 0
                ? furthest.name() + " is fenced for maintenance at " + furthest.position() + ", ahead of every store that "
                        + "may be promoted (" + best.name() + " at " + best.position() + ")"
                : null;
        if (mode == ReplicationMode.ASYNC) {
            return new FailoverDecision.Promote(best, true,
                    "asynchronous mode: the most up-to-date secondary " + best.name() + " at " + best.position()
                            + "; writes acknowledged after it may be lost");
        }
        int required = requiredAnswers(clusterSize, minSyncReplicas);
        if (answered.size() >= required && behindFenced != null) {
            if (force) {
                return new FailoverDecision.Promote(best, true, "forced: " + behindFenced);
            }
            return new FailoverDecision.Wait(behindFenced + ": the writes only it holds may have been acknowledged; "
                    + "unfence it (it is then promoted), or request a forced promotion");
        }
        if (answered.size() >= required) {
            return new FailoverDecision.Promote(best, false,
                    best.name() + " at " + best.position() + " holds every acknowledged write ("
                            + answered.size() + " of " + secondaries.size() + " stores answered, "
                            + required + " needed)");
        }
        String shortfall = "only " + answered.size() + " of " + secondaries.size() + " stores answered; "
                + required + " are needed to be sure no acknowledged write is lost (" + clusterSize
                + " pods, minSyncReplicas " + minSyncReplicas + ")";
        if (force) {
            return new FailoverDecision.Promote(best, true, "forced: " + shortfall);
        }
        return new FailoverDecision.Wait(shortfall + "; waiting, or request a forced promotion");
    }

    private static ReplicaCandidate furthest(List<ReplicaCandidate> candidates) {
        return candidates.stream()
                .max(Comparator.comparing(ReplicaCandidate::position)
                        // ties: prefer the lexically smallest name so every run picks the same one
                        .thenComparing(ReplicaCandidate::name, Comparator.reverseOrder()))
                .orElseThrow();
    }

    private static String names(List<ReplicaCandidate> candidates) {
        return String.join(", ", candidates.stream().map(ReplicaCandidate::name).toList());
    }
}
