package dev.kvstore.core;

import dev.kvstore.core.admin.StoreAdmin;
import dev.kvstore.core.admin.NodeStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The steps of a failover (or of the first election), shared by the local supervisor and the
 * operator: record the new epoch first, fence every store at it (so none acknowledges the old
 * primary any more and each reports where its log ends), let {@link FailoverPolicy} choose, promote
 * the choice, point the rest at it. A lost primary that answers its fence counts among the stores
 * asked: fenced, it acknowledges nothing more, and its log holds every write it acknowledged. Only the admin calls and the epoch record are I/O, both given.
 */
public final class FailoverProcedure {

    /**
     * A store as the procedure needs it: a name, the base URL of its admin API (null when it has none),
     * where clients reach it over HTTP (secondaries name it to clients whose writes they cannot take),
     * and how peers reach it.
     */
    public interface Member {
        String name();

        String adminUrl();

        String httpUrl();

        String replicationAddress();

        /**
         * Where the member can still be told of a new term although it takes no part in the choice
         * (a primary whose pod is terminating still runs, holding client writes it can no longer
         * commit); null when it cannot be reached at all.
         */
        default String fenceUrl() {
            return adminUrl();
        }
    }

    /** Where the epoch is recorded before any store hears of it (a state file, the KVCluster status). */
    public interface EpochLedger {
        void record(long epoch) throws IOException;
    }

    /**
     * What happened: promoted (with whom, whether possibly lossy) or waiting (why); {@code reachedAStore}:
     * some store answered its fence (an attempt that reached none says more about the supervisor's own
     * network than about the primary).
     */
    public record Outcome(boolean promoted, String winner, long epoch, String reason, boolean possiblyLossy,
                          Duration took, List<String> notRepointed, boolean reachedAStore, boolean reelected) {

        public Outcome(boolean promoted, String winner, long epoch, String reason, boolean possiblyLossy,
                       Duration took, List<String> notRepointed, boolean reachedAStore) {
            this(promoted, winner, epoch, reason, possiblyLossy, took, notRepointed, reachedAStore, false);
        }
    }

    private final StoreAdmin admin;
    private final Executor executor;

    public FailoverProcedure(StoreAdmin admin, Executor executor) {
        this.admin = admin;
        this.executor = executor;
    }

    /** Fences one store without waiting; completes with its answer, or null when it did not answer. */
    public CompletableFuture<NodeStatus> fenceAsync(String url, long epoch) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return admin.fence(url, epoch);
            } catch (IOException e) {
                return null; // gone, frozen or partitioned
            }
        }, executor);
    }

    /**
     * A store that answered its fence, or unreachable; one whose disk failed could never commit as primary; one
     * fenced for maintenance counts by its log but is not promoted.
     */
    private static ReplicaCandidate candidate(String name, NodeStatus status) {
        if (status == null || !status.canPersist()) {
            return ReplicaCandidate.unreachable(name);
        }
        Position position = new Position(status.lastEpoch(), status.lastOffset());
        return status.maintenanceFenced() ? ReplicaCandidate.fencedForMaintenance(name, position)
                : ReplicaCandidate.answered(name, position);
    }

    /**
     * @param members        every store of the cluster, including a lost primary
     * @param lost           the primary that is lost, or null at the first election
     * @param lostIsGone     its process or pod is known to have ended (no read lease to wait out)
     * @param epoch          the new term's epoch, already higher than any seen
     * @param force          promote even when the policy cannot be sure no acknowledged write is lost
     * @return promoted, or waiting; a wait decided before asking anyone records no epoch
     */
    public <M extends Member> Outcome run(List<M> members, M lost, boolean lostIsGone, long epoch, EpochLedger ledger,
                                          ReplicationMode mode, int minSyncReplicas, boolean force) throws IOException {
        return run(members, lost, lostIsGone, epoch, ledger, mode, minSyncReplicas, force, false);
    }

    /**
     * @param reelectLost the lost primary is promoted again, in the new epoch, when it answers its fence
     *                    and enough stores answered for the policy to promote one, the lost primary at least
     *                    as far along as the policy's choice: for an election whose earlier attempts reached
     *                    no store at all, so that a supervisor cut off from every store (and not the
     *                    primary from its secondaries) demotes no one once it reaches them again. Still
     *                    fenced first, so a fence of the election arriving late changes nothing. Its fence
     *                    is waited for (one admin timeout at most, if it is frozen).
     */
    public <M extends Member> Outcome run(List<M> members, M lost, boolean lostIsGone, long epoch, EpochLedger ledger,
                                          ReplicationMode mode, int minSyncReplicas, boolean force, boolean reelectLost)
            throws IOException {
        long started = System.nanoTime();
        List<M> others = members.stream().filter(m -> m != lost).toList();
        int clusterSize = lost == null ? FailoverPolicy.firstElectionSize(members.size(), minSyncReplicas) : members.size();
        int askable = (int) others.stream().filter(m -> m.adminUrl() != null).count();
        String hopeless = FailoverPolicy.cannotSucceed(clusterSize, minSyncReplicas, mode, askable, force);
        if (hopeless != null) {
            return new Outcome(false, null, epoch, hopeless, false, Duration.ofNanos(System.nanoTime() - started),
                    List.of(), false);
        }
        ledger.record(epoch);
        // the lost primary is fenced too, in parallel: one that still runs steps down at once and fails the
        // writes it holds; and if it answers, its log counts like a secondary's (below)
        CompletableFuture<NodeStatus> lostFence = lost == null || lost.fenceUrl() == null ? null
                : fenceAsync(lost.fenceUrl(), epoch);
        List<CompletableFuture<NodeStatus>> fences = new ArrayList<>();
        for (M member : others) {
            // a member with no address yet (a pod not running) cannot answer
            fences.add(member.adminUrl() == null ? CompletableFuture.completedFuture(null)
                    : fenceAsync(member.adminUrl(), epoch));
        }
        List<M> asked = new ArrayList<>(others);
        List<ReplicaCandidate> candidates = new ArrayList<>();
        boolean reachedAStore = false;
        for (int i = 0; i < others.size(); i++) {
            NodeStatus answer = fences.get(i).join();
            reachedAStore |= answer != null; // any answer, even of a store that cannot persist
            candidates.add(candidate(others.get(i).name(), answer));
        }
        // only a lost primary that may serve again counts (a terminating pod has no address to serve at)
        boolean lostMayCount = lost != null && lost.adminUrl() != null;
        if (reelectLost && lostFence != null && lostMayCount) {
            NodeStatus lostAnswer = lostFence.join();
            reachedAStore |= lostAnswer != null;
            ReplicaCandidate lostPrimary = candidate(lost.name(), lostAnswer);
            if (lostPrimary.reachable() && lostPrimary.promotable()) {
                // the policy judges with the lost primary among the stores asked, as below: it promotes only when
                // enough answered that its choice surely holds every acknowledged write; a lost primary at least
                // as far along (positions compare the epoch first: one deposed in a term it never heard of is
                // behind every store of that term) holds them too
                List<ReplicaCandidate> withLost = new ArrayList<>(candidates);
                withLost.add(lostPrimary);
                FailoverDecision judged = FailoverPolicy.decide(clusterSize, minSyncReplicas, mode, withLost, false);
                if (judged instanceof FailoverDecision.Promote chosen
                        && lostPrimary.position().compareTo(chosen.candidate().position()) >= 0) {
                    // fenced now, it acknowledges nothing more; promoted again, it holds every acknowledged write
                    admin.promote(lost.adminUrl(), epoch, true);
                    List<M> all = new ArrayList<>(others);
                    all.add(lost);
                    List<String> notRepointed = pointAt(all, lost, epoch, fencedForMaintenance(candidates));
                    return new Outcome(true, lost.name(), epoch, lost.name() + " kept: it answers at "
                            + lostPrimary.position() + ", as far along as any store (" + chosen.reason()
                            + "), and this election reached no store before (the supervisor, not the primary, was cut off)",
                            false, Duration.ofNanos(System.nanoTime() - started), notRepointed, true, true);
                }
            }
        }
        FailoverDecision decision = FailoverPolicy.decide(clusterSize, minSyncReplicas, mode, candidates, force);
        if (decision instanceof FailoverDecision.Wait && lostFence != null && lostMayCount) {
            // too few secondaries answered: a lost primary that answers its fence is fenced now, so it
            // acknowledges nothing more, and its log holds every write it acknowledged; it counts among
            // the stores asked (waited for only when needed, so a frozen primary does not slow a failover)
            ReplicaCandidate lostPrimary = candidate(lost.name(), lostFence.join());
            if (lostPrimary.reachable()) {
                asked.add(lost);
                candidates.add(lostPrimary);
                decision = FailoverPolicy.decide(clusterSize, minSyncReplicas, mode, candidates, force);
            }
        }
        reachedAStore |= lostFence != null && lostFence.isDone() && lostFence.join() != null;
        if (decision instanceof FailoverDecision.Wait wait) {
            return new Outcome(false, null, epoch, wait.reason(), false, Duration.ofNanos(System.nanoTime() - started),
                    List.of(), reachedAStore);
        }
        FailoverDecision.Promote promote = (FailoverDecision.Promote) decision;
        M winner = asked.stream().filter(m -> m.name().equals(promote.candidate().name())).findFirst().orElseThrow();
        // the old primary promoted again holds no lease that could outlive its fence: nothing to wait out
        admin.promote(winner.adminUrl(), epoch, lostIsGone || lost == null || winner == lost);
        List<String> notRepointed = pointAt(asked, winner, epoch, fencedForMaintenance(candidates));
        return new Outcome(true, winner.name(), epoch, promote.reason(), promote.possiblyLossy(),
                Duration.ofNanos(System.nanoTime() - started), notRepointed, true);
    }

    private static java.util.Set<String> fencedForMaintenance(List<ReplicaCandidate> candidates) {
        return candidates.stream().filter(c -> c.reachable() && !c.promotable()).map(ReplicaCandidate::name)
                .collect(java.util.stream.Collectors.toSet());
    }

    /**
     * Tells every other addressed member, but those fenced for maintenance, to follow the new primary; returns those
     * that could not be told.
     */
    public <M extends Member> List<String> pointAt(List<M> members, M winner, long epoch,
                                                   java.util.Set<String> fencedForMaintenance) {
        List<String> notRepointed = new ArrayList<>();
        for (M member : members) {
            if (member != winner && member.adminUrl() != null && !fencedForMaintenance.contains(member.name())) {
                try {
                    admin.follow(member.adminUrl(), epoch, winner.replicationAddress(), winner.httpUrl());
                } catch (IOException e) {
                    notRepointed.add(member.name()); // the next pass repoints it
                }
            }
        }
        return notRepointed;
    }
}
