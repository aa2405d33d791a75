package dev.kvstore.cli;

import dev.kvstore.cli.local.SwitchoverRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kv promote}: a planned switchover of a local cluster, asked of its running supervisor ({@link
 * SwitchoverRequest}), which carries it out with the operator's code as {@code kubectl kv promote} has the operator do.
 */
@Command(name = "promote", description = "Planned switchover of the local cluster: the store named becomes the primary "
        + "without losing a write (writes pause while it reaches the primary's last entry, a few milliseconds when it "
        + "follows closely), and the old primary follows it. Carried out by the running kv local.")
final class LocalPromote implements Callable<Integer> {

    @CommandLine.Mixin
    KvCli.ClusterOptions cluster;

    @Parameters(index = "0", description = "the store to make primary (kv-0, kv-1, ...)")
    String store;

    @Option(names = "--timeout-seconds", defaultValue = "30", description = "how long to wait for it (default "
            + "${DEFAULT-VALUE}); the request is withdrawn after that")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        cluster.requireLocal(this, "promote acts on a local cluster (--dir); an operator's cluster: "
                + "kubectl kv promote <cluster> <pod>");
        Map<String, String> stores = cluster.adminUrls();
        if (!stores.containsKey(store)) {
            throw new CommandLine.ParameterException(new CommandLine(this), store + " is not a store of " + cluster.dir
                    + " (its stores: " + String.join(", ", stores.keySet()) + ")");
        }
        SwitchoverRequest.Outcome outcome = switchOver(cluster, store, Duration.ofSeconds(timeoutSeconds));
        KvCli.say(outcome.message());
        return 0;
    }

    /**
     * Asks the running supervisor for {@code store} as primary and waits until it is, or the supervisor refuses, or
     * {@code timeout} passes (then the request is withdrawn). Answers the supervisor's word on success.
     */
    static SwitchoverRequest.Outcome switchOver(KvCli.ClusterOptions cluster, String store, Duration timeout)
            throws IOException, InterruptedException {
        SwitchoverRequest requests = new SwitchoverRequest(cluster.dir);
        long deadline = System.nanoTime() + timeout.toNanos();
        String id = requests.ask(store, System.currentTimeMillis() + timeout.toMillis());
        // stopped early (Ctrl-C): the request goes with it; one left anyway expires at its deadline
        Thread withdrawOnExit = new Thread(() -> {
            try {
                requests.withdraw(id);
            } catch (IOException ignored) {
                // it expires
            }
        });
        Runtime.getRuntime().addShutdownHook(withdrawOnExit);
        try {
            SwitchoverRequest.Outcome last = null;
            while (System.nanoTime() < deadline) {
                Optional<SwitchoverRequest.Outcome> said = requests.outcome(id);
                if (said.isPresent()) {
                    last = said.get();
                    if (SwitchoverRequest.Outcome.DONE.equals(last.state())) {
                        return last;
                    }
                    if (SwitchoverRequest.Outcome.REFUSED.equals(last.state())) {
                        throw new IOException(last.message());
                    }
                }
                Thread.sleep(100);
            }
            throw new IOException("no switchover to " + store + " within " + timeout.toSeconds() + " s"
                    + (last == null ? ": no answer from the supervisor (is kv local running for " + cluster.dir + "?)"
                    : ": " + last.message()) + "; the request is withdrawn (a switchover under way then may still end "
                    + "it: kv status)");
        } finally {
            try {
                requests.withdraw(id);
            } catch (IOException ignored) {
                // it expires at its deadline; the outcome above is what to tell
            }
            try {
                Runtime.getRuntime().removeShutdownHook(withdrawOnExit);
            } catch (IllegalStateException exiting) {
                // the hook runs anyway, withdrawing what is already gone
            }
        }
    }
}
