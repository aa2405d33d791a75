package dev.kvstore.store.node;

import java.util.LinkedHashSet;
import org.jboss.logging.Logger;

/**
 * Completions that happen together, signalled together. A thread that completes many futures at once
 * (a commit that covers a batch of writes) runs them inside {@link #run}; a listener with work to hand
 * to another thread (a connection whose event loop writes the replies) hands it over through
 * {@link #signal}, once per batch instead of once per future. Without this, an event loop woken by the
 * first completion writes one reply per socket write while the rest of the batch completes behind it.
 */
public final class CompletionBatch {

    private static final Logger LOG = Logger.getLogger(CompletionBatch.class);
    private static final ThreadLocal<LinkedHashSet<Runnable>> PENDING = new ThreadLocal<>();

    private CompletionBatch() {
    }

    /** Runs {@code completions}; the signals they raise run after it, each distinct one once. */
    public static void run(Runnable completions) {
        if (PENDING.get() != null) {
            completions.run(); // nested: the outer batch signals at its end
            return;
        }
        LinkedHashSet<Runnable> pending = new LinkedHashSet<>();
        PENDING.set(pending);
        try {
            completions.run();
        } finally {
            PENDING.remove();
            for (Runnable signal : pending) {
                try {
                    signal.run();
                } catch (RuntimeException e) {
                    LOG.warn("a completion signal failed", e);
                }
            }
        }
    }

    /**
     * Runs {@code signal} now, or at the end of the batch this thread is completing; the same object
     * signalled twice in one batch runs once, so a listener passes one instance it keeps.
     */
    public static void signal(Runnable signal) {
        LinkedHashSet<Runnable> pending = PENDING.get();
        if (pending == null) {
            signal.run();
        } else {
            pending.add(signal);
        }
    }
}
