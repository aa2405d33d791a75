package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.ClusterFixture;

/**
 * A history checked for linearizability around a fault test of another package: {@link Workload}'s clients
 * (HTTP clients that follow the primary, one pinned to each store, Jedis clients) run on the cluster from
 * {@link #start} until {@link #finishAndCheck}, which stops them, reads every key back from the primary into
 * the history (a write acknowledged and then lost fails the check) and asserts the whole linearizable.
 */
public final class CheckedHistory implements AutoCloseable {

    private final ClusterFixture fixture;
    private final History history = new History();
    private final Workload workload = new Workload();
    private boolean stopped;

    private CheckedHistory(ClusterFixture fixture) {
        this.fixture = fixture;
    }

    /** Starts the clients on the fixture's stores (started already). */
    public static CheckedHistory start(ClusterFixture fixture, long seed) {
        CheckedHistory checked = new CheckedHistory(fixture);
        checked.workload.startClients(fixture.cluster.nodes(), checked.history, seed);
        return checked;
    }

    /** Operations answered so far. */
    public long answered() {
        return history.count(History.Outcome.OK);
    }

    /**
     * Stops the clients, reads every key back from the primary, and asserts the history linearizable with more
     * than {@code minReads} linearizable reads in it (a thinner one could pass without showing anything); the
     * history and its visualization are kept as {@code name} under target/lincheck.
     */
    public Lincheck.Verdict finishAndCheck(String name, long minReads) throws Exception {
        stopped = true;
        workload.close();
        FinalReads.readEveryKeyBackFromThePrimary(fixture, history, workload.everyKey());
        System.out.println(name + ": history " + history.count(History.Outcome.OK) + " ok, "
                + history.count(History.Outcome.UNKNOWN) + " unknown, " + history.count(History.Outcome.FAIL) + " failed");
        Lincheck.Verdict verdict = Lincheck.assertLinearizable(history, name, minReads, "");
        assertThat(history.count(History.Outcome.OK)).as("operations answered").isGreaterThan(minReads);
        return verdict;
    }

    /** Stops the clients when the test ended before {@link #finishAndCheck}. */
    @Override
    public void close() throws InterruptedException {
        if (!stopped) {
            stopped = true;
            workload.close();
        }
    }
}
