package dev.kvstore.store.repl;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Paces the closing of replication connections made with a credential rotated away, as a rolling update paces
 * pods: one store at a time, the next only once the one closed before it is back (connected again and
 * acknowledging). Its kept place runs out after {@link PrimarySession#PLACE_KEPT_MILLIS}; closing the next one
 * before it returns could leave fewer secondaries than {@code kv.min-sync-replicas} and refuse writes. A store
 * that has not returned after {@link #RETURN_WAIT_MILLIS} is taken as lost (it would be without the rotation too),
 * and the closing goes on: a credential taken away must not keep granting a connection for good.
 */
final class CredentialClosePacing {

    private static final Logger LOG = Logger.getLogger(CredentialClosePacing.class);

    static final long RETURN_WAIT_MILLIS = 30_000;

    private final long returnWaitNanos;
    private String away;
    private long awaySession;
    private long closedAtNanos;

    CredentialClosePacing() {
        this(TimeUnit.MILLISECONDS.toNanos(RETURN_WAIT_MILLIS));
    }

    CredentialClosePacing(long returnWaitNanos) {
        this.returnWaitNanos = returnWaitNanos;
    }

    /**
     * Whether another connection may be closed now.
     *
     * @param acknowledging the stores whose connection stands and acknowledged a frame of its own, with the newest
     *     such session's number: the store closed before is back with a session later than the one closed
     */
    synchronized boolean mayCloseNext(Map<String, Long> acknowledging, long nowNanos) {
        if (away == null) {
            return true;
        }
        if (acknowledging.getOrDefault(away, Long.MIN_VALUE) > awaySession) {
            away = null;
            return true;
        }
        if (nowNanos - closedAtNanos >= returnWaitNanos) {
            LOG.warnf("%s has not come back %d s after its replication connection was closed for a rotated"
                    + " credential; closing the next one anyway", away, TimeUnit.NANOSECONDS.toSeconds(nowNanos - closedAtNanos));
            away = null;
            return true;
        }
        return false;
    }

    synchronized void closed(String store, long session, long nowNanos) {
        away = store;
        awaySession = session;
        closedAtNanos = nowNanos;
    }
}
