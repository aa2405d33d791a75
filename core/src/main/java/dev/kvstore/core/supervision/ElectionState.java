package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;

/**
 * The resume rule of elections, free of I/O. A failover attempt that recorded an epoch but found too
 * few stores to promote anyone stays pending and is resumed pass after pass, whatever comes back
 * first, until it promotes someone. Its epoch is reused by the next attempt, so waiting burns no
 * epochs, but only while no promote was sent in it: a promote that timed out may still arrive, and a
 * second promotion in the same epoch could make two primaries of one term.
 */
public final class ElectionState {

    /** An election that has begun: the primary it replaces, why, and whether its process is known gone. */
    public record Election(String lost, String reason, boolean lostIsGone) {
    }

    private Election pending;
    private long unusedEpoch;
    /** Some attempt of the pending election recorded an epoch, and so fenced stores: it must be finished. */
    private boolean fencedInThisElection;
    /** Some attempt of the pending election heard a store answer its fence. */
    private boolean reachedAStore;
    /** The pending election has made an attempt. */
    private boolean attempted;

    /** The election to resume, or null. */
    public synchronized Election pending() {
        return pending;
    }

    /** Starts an election unless one is pending already (the pending one keeps its reason). */
    public synchronized Election begin(Election election) {
        if (pending == null) {
            pending = election;
            fencedInThisElection = false;
            reachedAStore = false;
            attempted = false;
        }
        return pending;
    }

    /**
     * Whether the next attempt re-elects the lost primary if it answers holding the most up-to-date log
     * ({@link FailoverProcedure#run}'s reelectLost): once attempts of this election were made and none
     * reached any store, the evidence is against the supervisor's own network (cut off from every store,
     * the last status calls answered just before), not against the primary. Never at the first attempt:
     * a failover does not wait for a frozen primary's fence.
     */
    public synchronized boolean reelectsLost() {
        return pending != null && attempted && !reachedAStore;
    }

    /** The term moved on without us (another supervisor, a switchover): nothing to resume, nothing to reuse. */
    public synchronized void forget() {
        pending = null;
        unusedEpoch = 0;
        fencedInThisElection = false;
        reachedAStore = false;
        attempted = false;
    }

    /**
     * The epoch for the next attempt: the one recorded by an attempt that promoted nobody and sent no
     * promote, when no store has seen a higher one; otherwise one above every epoch seen.
     */
    public synchronized long epochFor(long highestSeen) {
        return unusedEpoch > 0 && unusedEpoch >= highestSeen ? unusedEpoch : highestSeen + 1;
    }

    /** Wraps the ledger so that an epoch written there counts as handed out and not yet used. */
    public FailoverProcedure.EpochLedger tracking(FailoverProcedure.EpochLedger ledger) {
        return epoch -> {
            ledger.record(epoch);
            synchronized (this) {
                unusedEpoch = epoch;
                fencedInThisElection = true;
            }
        };
    }

    /** The attempt ended without an exception. */
    public synchronized void concluded(FailoverProcedure.Outcome outcome) {
        reachedAStore |= outcome.reachedAStore();
        attempted = true;
        if (outcome.promoted()) {
            pending = null;
            unusedEpoch = 0;
            fencedInThisElection = false;
        } else if (!fencedInThisElection) {
            // every attempt so far was decided before anyone was asked (too few stores to ask): nobody was
            // fenced, so nothing needs resuming; the next pass judges the primary afresh, and may find it healthy
            pending = null;
        }
        // otherwise: some attempt fenced stores, the primary among them; the election stays pending in its epoch
        // (a later attempt that could not even ask does not undo that fence)
    }

    /** The attempt threw: a promote may have been sent, so its epoch must never be handed out again. */
    public synchronized void failed() {
        unusedEpoch = 0;
        attempted = true;
        reachedAStore = true; // it may have got as far as a promote: nothing to conclude about the network
    }
}
