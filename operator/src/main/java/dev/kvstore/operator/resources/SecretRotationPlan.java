package dev.kvstore.operator.resources;

import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.core.admin.SecretRotation;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one pass does about rotating a cluster's secret (the one that signs replication handshakes and
 * admin calls), asked for by the annotation {@value #REQUEST} on the KVCluster with any new value.
 * The rotation's state lives on the Secret itself (its value, and the annotations {@value #ROTATED_FOR}
 * and {@value #ROTATING_TO}), so that an operator restarted halfway carries on. Each of
 * {@link SecretRotation}'s steps is written only once every store reports holding the one before.
 *
 * @param write       the Secret's next value, or null: unchanged
 * @param rotatedFor  the request the Secret's rotation answers (annotation value to write)
 * @param rotatingTo  the fingerprint of the secret under way, or null once done (annotation value to write)
 * @param condition   the condition {@value #CONDITION}: true, false, or null to leave it as it is
 * @param event       a Normal Event's message (the rotation finished), or null
 */
public record SecretRotationPlan(ClusterSecrets write, String rotatedFor, String rotatingTo, Boolean condition,
                                 String reason, String message, String event) {

    public static final String REQUEST = "kvstore.dev/rotate-secret";
    public static final String ROTATED_FOR = "kvstore.dev/rotated-for";
    public static final String ROTATING_TO = "kvstore.dev/rotating-to";
    public static final String CONDITION = "SecretRotated";

    /** The Secret's rotation state as read. */
    public record SecretState(ClusterSecrets written, String rotatedFor, String rotatingTo) {
    }

    /**
     * @param request     the KVCluster's {@value #REQUEST} annotation, or null
     * @param operators   whether the operator made the Secret (a Secret the spec names is the user's to write)
     * @param reported    by store pod, the fingerprints it reports holding; null for one that did not answer
     * @param updateRolling whether the stores' pods are of two templates (an update or a rollback rolls)
     * @param newSecret   makes the secret to rotate to
     */
    public static SecretRotationPlan decide(String request, boolean operators, String secretName, SecretState secret,
                                            Map<String, List<String>> reported, boolean updateRolling,
                                            Supplier<String> newSecret) {
        ClusterSecrets written = secret.written();
        if (!operators) {
            return request == null ? unchanged(secret) : new SecretRotationPlan(null, secret.rotatedFor(),
                    secret.rotatingTo(), false, "NotOperatorSecret", "the Secret " + secretName + " is named in the "
                    + "spec, so it is yours to write: rotate it in three writes of its value, old,new then new,old then "
                    + "new (one a line), each once every store's status lists the fingerprints of the one before "
                    + "(kubectl get kvcluster -o yaml: the stores' secretFingerprints)", null);
        }
        if (secret.rotatingTo() != null) {
            return carryOn(secret, reported);
        }
        if (request == null) {
            return unchanged(secret);
        }
        if (request.equals(secret.rotatedFor())) {
            // said from the Secret's state, not only by the pass that finished: an operator that stopped after
            // writing the last step and before the status still reports the rotation done
            return written.all().size() == 1 ? rotated(secret, ClusterSecrets.fingerprint(written.signing()))
                    : unchanged(secret);
        }
        if (written.all().size() != 1) {
            return stuck(secret, "the Secret " + secretName + " holds " + written.all().size() + " secrets and no "
                    + "rotation is under way: leave the one the stores sign with (its first line) alone on it");
        }
        if (updateRolling) {
            // a store of a release before rotation, made while it runs, would read two secrets as one and sign
            // with neither; and this operator holds its rolling restarts while a rotation is under way
            return new SecretRotationPlan(null, secret.rotatedFor(), null, false, "Rotating", "waiting for the "
                    + "update of the stores to finish before the rotation begins", null);
        }
        List<String> behind = SecretRotation.notHolding(written, reported);
        if (!behind.isEmpty()) {
            return new SecretRotationPlan(null, secret.rotatedFor(), null, false, "Rotating", "waiting for "
                    + behind + " to report the secret in use before the rotation begins (a store of a release "
                    + "before rotation reports none)", null);
        }
        SecretRotation rotation = new SecretRotation(written.signing(), newSecret.get());
        ClusterSecrets first = rotation.after(written);
        return new SecretRotationPlan(first, request, ClusterSecrets.fingerprint(rotation.to()), false, "Rotating",
                "step 1 of 3 written (the new secret accepted everywhere): waiting for every store to hold it", null);
    }

    private static SecretRotationPlan carryOn(SecretState secret, Map<String, List<String>> reported) {
        ClusterSecrets written = secret.written();
        List<String> behind = SecretRotation.notHolding(written, reported);
        String to = secret.rotatingTo();
        if (written.all().size() == 1 && ClusterSecrets.fingerprint(written.signing()).equals(to)) {
            if (!behind.isEmpty()) {
                return waiting(secret, 3, behind);
            }
            return rotated(secret, to);
        }
        SecretRotation rotation = SecretRotation.underWay(written, to);
        if (rotation == null) {
            return stuck(secret, "the Secret's value is no step of the rotation to " + to + " (changed by hand?): "
                    + "write back the secrets the stores report, or remove the annotation " + ROTATING_TO);
        }
        int step = rotation.steps().indexOf(written) + 1;
        if (!behind.isEmpty()) {
            return waiting(secret, step, behind);
        }
        ClusterSecrets next = rotation.after(written);
        return new SecretRotationPlan(next, secret.rotatedFor(), to, false, "Rotating", "step " + (step + 1)
                + " of 3 written" + (step + 1 == 2 ? " (the new secret signs everywhere)" : " (the old secret dropped)")
                + ": waiting for every store to hold it", null);
    }

    private static SecretRotationPlan rotated(SecretState secret, String to) {
        return new SecretRotationPlan(null, secret.rotatedFor(), null, true, "Rotated",
                "every store signs with and accepts only the cluster secret " + to,
                "cluster secret rotated to " + to + " with no restart");
    }

    /**
     * What each store the gate waits for reports: every pod the cluster should have (ordinals below
     * {@code replicas}) and every pod still running beyond them; one absent, terminating, or not answering
     * reports null and holds the rotation back (it may hold an older step, or come back with one).
     *
     * @param running  the cluster's pods that are not terminating
     * @param answered by pod, what it reported (null or absent: nothing); a CA rotation's gate uses it too
     */
    public static <T> Map<String, T> reports(String cluster, int replicas, List<String> running, Map<String, T> answered) {
        Map<String, T> reported = new java.util.TreeMap<>();
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            reported.put(KvNames.pod(cluster, ordinal), null);
        }
        for (String pod : running) {
            reported.put(pod, null);
        }
        reported.replaceAll((pod, none) -> running.contains(pod) ? answered.get(pod) : null);
        return reported;
    }

    private static SecretRotationPlan waiting(SecretState secret, int step, List<String> behind) {
        return new SecretRotationPlan(null, secret.rotatedFor(), secret.rotatingTo(), false, "Rotating",
                "step " + step + " of 3 written: waiting for " + behind + " to hold it (the kubelet updates a "
                        + "mounted Secret within about a minute)", null);
    }

    private static SecretRotationPlan stuck(SecretState secret, String message) {
        return new SecretRotationPlan(null, secret.rotatedFor(), secret.rotatingTo(), false, "RotationStuck", message,
                null);
    }

    private static SecretRotationPlan unchanged(SecretState secret) {
        return new SecretRotationPlan(null, secret.rotatedFor(), secret.rotatingTo(), null, null, null, null);
    }

    /** Whether the Secret must be written: a new value, or the rotation's annotations changed. */
    public boolean changesSecret(SecretState secret) {
        return write != null || !java.util.Objects.equals(rotatedFor, secret.rotatedFor())
                || !java.util.Objects.equals(rotatingTo, secret.rotatingTo());
    }
}
