package dev.kvstore.store.disk;

import io.vertx.core.Context;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Counts disk work that runs on a Vert.x event loop. An fsync there stalls every connection that
 * loop serves (client requests, replication streams), so it is a bug wherever it happens: the
 * count is a metric ({@code kv_event_loop_disk_calls_total}) and tests assert it stays zero.
 */
public final class EventLoopGuard {

    private static final Logger LOG = Logger.getLogger(EventLoopGuard.class);
    private static final AtomicLong VIOLATIONS = new AtomicLong();

    private EventLoopGuard() {
    }

    /** Call before blocking disk work; {@code what} names it in the log. */
    public static void diskWork(String what) {
        if (Context.isOnEventLoopThread()) {
            long count = VIOLATIONS.incrementAndGet();
            if (count <= 10) {
                LOG.errorf(new IllegalStateException("stack of the call"), "%s on event loop thread %s", what,
                        Thread.currentThread().getName());
            }
        }
    }

    /** Disk calls made on an event loop since the process started. */
    public static long violations() {
        return VIOLATIONS.get();
    }
}
