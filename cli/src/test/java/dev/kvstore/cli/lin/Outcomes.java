package dev.kvstore.cli.lin;

import dev.kvstore.cli.lin.History.Outcome;

/**
 * How a refused write ended, read from the store's answer. A refusal counts as "nothing applied"
 * only when the store refused before its log (a secondary, a deposed or paused primary, too few
 * replicas, a full memory or disk); a write that was in the log when its primary stepped down, or
 * when its log failed, or that timed out, may still survive on the next primary, and the store says
 * so ("may or may not"). Getting this wrong in the lenient direction would hide a lost or
 * resurrected write from the checker; in the strict direction it reports a violation that is not.
 */
public final class Outcomes {

    private Outcomes() {
    }

    /** An HTTP write's answer other than 200. */
    public static Outcome ofHttpRefusal(int status, String body) {
        return switch (status) {
            case 400, 409, 413, 414, 421, 507 -> Outcome.FAIL;
            case 503 -> mayHaveBeenApplied(body) ? Outcome.UNKNOWN : Outcome.FAIL;
            default -> Outcome.UNKNOWN; // 504 (not acknowledged in time), 500, anything unexpected
        };
    }

    /** A Redis-protocol write's error reply (without the leading dash). */
    public static Outcome ofRespError(String error) {
        if (error == null || mayHaveBeenApplied(error)) {
            return Outcome.UNKNOWN;
        }
        String code = error.split(" ", 2)[0];
        return switch (code) {
            case "READONLY", "TRYAGAIN", "NOREPLICAS", "OOM", "MISCONF", "NOAUTH", "NOPERM", "WRONGTYPE" -> Outcome.FAIL;
            default -> Outcome.UNKNOWN; // TIMEOUT and anything unexpected
        };
    }

    private static boolean mayHaveBeenApplied(String text) {
        // the store's words for a write that was in the log when it failed: a step-down or a timeout
        // ("the write may or may not survive/have been applied"), or a log that failed under it
        return text.contains("may or may not") || text.contains("cannot make writes durable");
    }
}
