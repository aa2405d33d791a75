package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.ReplicationMode;
import java.io.IOException;
import java.util.List;

/** Runs one attempt of an election (or of the first one) under the resume rule of {@link ElectionState}. */
public final class Elector {

    private final FailoverProcedure procedure;

    public Elector(FailoverProcedure procedure) {
        this.procedure = procedure;
    }

    /**
     * @param highestSeen the highest epoch recorded or reported by any store
     * @param lost        the member the pending election replaces, or null at the first election
     */
    public <M extends FailoverProcedure.Member> FailoverProcedure.Outcome attempt(
            ElectionState state, List<M> members, M lost, boolean lostIsGone, long highestSeen,
            FailoverProcedure.EpochLedger ledger, ReplicationMode mode, int minSyncReplicas, boolean force)
            throws IOException {
        long epoch = state.epochFor(highestSeen);
        FailoverProcedure.Outcome outcome;
        try {
            outcome = procedure.run(members, lost, lostIsGone, epoch, state.tracking(ledger), mode, minSyncReplicas,
                    force, lost != null && state.reelectsLost());
        } catch (IOException | RuntimeException e) {
            state.failed();
            throw e;
        }
        state.concluded(outcome);
        return outcome;
    }
}
