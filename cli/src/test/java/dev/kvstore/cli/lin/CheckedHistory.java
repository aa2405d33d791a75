package dev.kvstore.cli.lin;

import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A history checked for linearizability around a fault test: {@link Workload}'s clients (HTTP clients that
 * follow the primary, one pinned to each store, Jedis clients) run on the cluster from {@link #start} until
 * {@link #finishAndCheck}, which stops them, reads every key back from the primary into the history (a write
 * acknowledged and then lost fails the check) and asserts the whole linearizable. A test that fails before that
 * still leaves its history behind, as {@code <name>-unfinished.jsonl}.
 */
public final class CheckedHistory implements AutoCloseable {

    private final ClusterFixture fixture;
    private final String name;
    private final History history = new History();
    private final Workload workload = new Workload();
    private boolean stopped;
    /** Whether the checker has the history on disk: until then a failing test keeps it itself ({@link #close}). */
    private boolean kept;

    private CheckedHistory(ClusterFixture fixture, String name) {
        this.fixture = fixture;
        this.name = name;
    }

    /**
     * Starts the clients on the fixture's stores (started already); {@code name} names the history kept under
     * target/lincheck.
     */
    public static CheckedHistory start(ClusterFixture fixture, String name, long seed) {
        System.out.println(name + ": history clients' seed " + seed);
        CheckedHistory checked = new CheckedHistory(fixture, name);
        checked.workload.startClients(fixture.cluster.nodes(), checked.history, seed);
        return checked;
    }

    /** The history the clients record, for a test's fault code that counts what they sent and what was acknowledged. */
    public History history() {
        return history;
    }

    /** Operations answered so far. */
    public long answered() {
        return history.count(History.Outcome.OK);
    }

    /** This history's clock, for {@link #awaitWritesAcknowledgedSince}. */
    public long now() {
        return history.now();
    }

    /**
     * Waits until the primary of now has acknowledged more than {@code count} of the clients' writes called after
     * {@code since} ({@link #now}): the history then covers the cluster after a fault, not only before it.
     */
    public void awaitWritesAcknowledgedSince(long since, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                history.writesTo(fixture.primary().name(), since, History.Outcome.OK) > count);
    }

    /**
     * Stops the clients, reads every key back from the primary, and asserts the history linearizable with more
     * than {@code minReads} linearizable reads in it besides those final reads (a thinner one could pass without
     * showing anything).
     *
     * @param context added to the message of a history found not linearizable (the faults injected, say)
     */
    public Lincheck.Verdict finishAndCheck(long minReads, String context) throws Exception {
        stopClients();
        List<String> keys = workload.everyKey();
        FinalReads.readEveryKeyBackFromThePrimary(fixture, history, keys);
        System.out.println(name + ": history " + history.count(History.Outcome.OK) + " ok, "
                + history.count(History.Outcome.UNKNOWN) + " unknown, " + history.count(History.Outcome.FAIL) + " failed");
        // the checker writes the history before it says anything
        kept = true;
        return Lincheck.assertLinearizable(history, name, minReads + keys.size(), context);
    }

    private void stopClients() throws InterruptedException {
        if (!stopped) {
            stopped = true;
            workload.close();
        }
    }

    /**
     * When the test ended before its check (a fault assertion failed, or the final reads found no primary): stops
     * the clients and keeps what they recorded.
     */
    @Override
    public void close() throws Exception {
        stopClients();
        if (!kept) {
            kept = true;
            Path file = Lincheck.artifacts().resolve(name + "-unfinished.jsonl");
            history.writeTo(file);
            System.out.println(name + ": the test ended before its check; the history so far is in " + file);
        }
    }
}
