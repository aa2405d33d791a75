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
     * @param newSecret   makes the secret to rotate to
     */
    public static SecretRotationPlan decide(String request, boolean operators, String secretName, SecretState secret,
                                            Map<String, List<String>> reported, Supplier<String> newSecret) {
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
        if (request == null || request.equals(secret.rotatedFor())) {
            return unchanged(secret);
        }
        if (written.all().size() != 1) {
            return stuck(secret, "the Secret " + secretName + " holds " + written.all().size() + " secrets and no "
                    + "rotation is under way: leave the one the stores sign with (its first line) alone on it");
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
            return new SecretRotationPlan(null, secret.rotatedFor(), null, true, "Rotated",
                    "every store signs with and accepts only the cluster secret " + to,
                    "cluster secret rotated to " + to + " with no restart");
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
