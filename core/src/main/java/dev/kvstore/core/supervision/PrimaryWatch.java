package dev.kvstore.core.supervision;

import dev.kvstore.core.admin.NodeStatus;
import java.time.Duration;

/**
 * Applies {@link PrimaryHealth} pass after pass, remembering when the primary last answered healthy.
 * "Not answering for longer than the delay" counts from that answer (not from the first pass that
 * noticed the silence: passes that each wait out a timeout would add up). The memory holds for one
 * term and one primary only, so a new term starts its own count. Times are given, never read here.
 */
public final class PrimaryWatch {

    private long epoch = -1;
    private String primary;
    private long healthyAtNanos;

    /**
     * @param askedAtNanos when the status calls of this pass went out (a healthy answer is at least that recent)
     * @param nowNanos     now, after the answers came back
     */
    public synchronized PrimaryHealth.Verdict observe(long currentEpoch, String primaryName, NodeStatus answer,
                                                      String doubt, long askedAtNanos, long nowNanos, Duration delay) {
        if (epoch != currentEpoch || !primaryName.equals(primary)) {
            // not seen healthy in this term yet: the count starts with this pass
            epoch = currentEpoch;
            primary = primaryName;
            healthyAtNanos = askedAtNanos;
        }
        PrimaryHealth.Verdict verdict = PrimaryHealth.judge(answer, doubt, currentEpoch,
                Duration.ofNanos(Math.max(0, nowNanos - healthyAtNanos)), delay);
        if (verdict instanceof PrimaryHealth.Healthy) {
            healthyAtNanos = askedAtNanos;
        }
        return verdict;
    }
}
