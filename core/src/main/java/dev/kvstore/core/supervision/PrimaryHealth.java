package dev.kvstore.core.supervision;

import dev.kvstore.core.admin.NodeStatus;
import java.time.Duration;

/**
 * The health rule of the primary, shared by both supervisors and free of I/O: the primary is healthy
 * when it answers and says it is the primary of the current epoch, unfenced. Anything else starts (or
 * resumes) an election: an answer that says otherwise at once, silence once the failover delay has
 * passed since its last healthy answer. How a supervisor learns that the process itself is gone (an
 * exited process, a deleted pod) is its own business and is checked before this rule.
 */
public final class PrimaryHealth {

    private PrimaryHealth() {
    }

    /** What the rule concludes about the primary on one pass. */
    public sealed interface Verdict {
    }

    /** It serves the current term. */
    public record Healthy() implements Verdict {
    }

    /** Silent (or in doubt) for {@code silentFor}, less than the failover delay: not yet. */
    public record InDoubt(Duration silentFor) implements Verdict {
    }

    /**
     * Lost: elect. {@code gone} is true when the store said itself that it holds no primary role, so it
     * serves no read under a lease and the new primary need not wait one out.
     */
    public record Lost(String reason, boolean gone) implements Verdict {
    }

    /**
     * @param answer       the primary's status answer, or null when it did not answer (or cannot persist)
     * @param doubt        a supervisor's own reason to treat an answering primary as silent (the operator:
     *                     its pod is not ready and too few secondaries are connected), or null
     * @param currentEpoch the epoch of the current term, as recorded by the supervisor
     * @param silentFor    how long since the primary's last healthy answer in this term
     * @param delay        the failover delay
     */
    public static Verdict judge(NodeStatus answer, String doubt, long currentEpoch, Duration silentFor, Duration delay) {
        if (answer != null && !"primary".equals(answer.role())) {
            // a store that restarted (or was told to step down) answers without the role: the process
            // that held the term serves nothing as primary any more, so there is no lease to wait out
            return new Lost("primary answers as " + answer.role() + " in epoch " + answer.epoch()
                    + ", not as the primary of epoch " + currentEpoch, true);
        }
        if (answer != null && (answer.fenced() || answer.epoch() != currentEpoch)) {
            // fenced by an election that did not finish, or a primary of another term: resume at once
            return new Lost("primary answers" + (answer.fenced() ? " fenced" : "") + " in epoch " + answer.epoch()
                    + ", not as the unfenced primary of epoch " + currentEpoch, false);
        }
        if (answer != null && doubt == null) {
            return new Healthy();
        }
        if (silentFor.compareTo(delay) >= 0) {
            return new Lost("primary " + (answer == null ? "not answering" : doubt) + " for " + silentFor.toMillis()
                    + " ms", false);
        }
        return new InDoubt(silentFor);
    }
}
