package dev.kvstore.operator.resources;

import dev.kvstore.core.tls.CertificateAuthority;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What one pass does about replacing a cluster's CA by one of a new key: asked for by the annotation
 * {@value #REQUEST} on the KVCluster with any new value, or by the CA coming within renewBeforeDays of its
 * expiry. Three steps, each begun only once every store shows the one before, so that no handshake fails on
 * the way (between stores, from the operator, or from a client that reads ConfigMap {@code <name>-ca-cert}):
 * <ol>
 *   <li>{@link Step#TRUST}: the new CA is made and trusted beside the old one everywhere (the stores' ca.crt,
 *       the operator, the ConfigMap); every certificate is still the old CA's.</li>
 *   <li>{@link Step#SERVE}, once every store takes a client certificate of the new CA and a grace period for
 *       clients to read the ConfigMap has passed: the stores' and the operator's certificates are issued by
 *       the new CA.</li>
 *   <li>Done, once every store shows a certificate of the new CA: the old CA is trusted nowhere, and its key
 *       is deleted (a rotation is also what one does when that key may have leaked).</li>
 * </ol>
 * The state lives on the Secret {@code <name>-ca} (the new CA beside the old under {@value #NEXT_CERT} and
 * {@value #NEXT_KEY}, the step in the annotations {@value #STEP} and {@value #STEP_SINCE}), so that an operator restarted halfway carries on.
 *
 * @param write     the CA Secret's next state, or null: unchanged
 * @param condition the condition {@value #CONDITION}: true, false, or null to leave it as it is
 * @param event     a Normal Event's message (the rotation finished), or null
 */
public record CaRotationPlan(CaState write, Boolean condition, String reason, String message, String event) {

    public static final String REQUEST = "kvstore.dev/rotate-ca";
    public static final String ROTATED_FOR = "kvstore.dev/ca-rotated-for";
    public static final String STEP = "kvstore.dev/ca-rotation-step";
    public static final String STEP_SINCE = "kvstore.dev/ca-rotation-step-since";
    public static final String CONDITION = "CARotated";
    public static final String NEXT_CERT = "next.crt";
    public static final String NEXT_KEY = "next.key";

    public enum Step {
        NONE, TRUST, SERVE;

        /** The annotation's value: absent when no rotation is under way. */
        public String annotation() {
            return this == NONE ? null : name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Step of(String annotation) {
            return annotation == null ? NONE : Step.valueOf(annotation.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * The CA Secret's state: the CA in force, the one it is being replaced by (null when none), the step, since
     * when (at TRUST: since clients were given the new CA; null until then, and with no step), and the request
     * the last rotation answered.
     */
    public record CaState(CertificateAuthority current, CertificateAuthority next, Step step, Instant stepSince,
                          String rotatedFor) {

        /** Which CA signs and which are trusted at this step. */
        public CaInUse inUse() {
            return switch (step) {
                case NONE -> CaInUse.of(current);
                case TRUST -> new CaInUse(current, List.of(current, next));
                case SERVE -> new CaInUse(next, List.of(current, next));
            };
        }
    }

    /**
     * @param request     the KVCluster's {@value #REQUEST} annotation, or null
     * @param renewBefore the cluster's renewBeforeDays: a CA that expires within it is replaced
     * @param shown       by store pod the step waits for, whether it showed the step in force (TRUST: it took a
     *                    client certificate of the new CA; SERVE: it showed a certificate of the new CA); null for
     *                    a store that could not be asked. Read only while a rotation is under way.
     * @param grace       the least time from publishing the new CA for clients to its first certificate
     * @param published   whether ConfigMap {@code <name>-ca-cert}, as read now, gives clients the new CA
     * @param newCa       makes the CA to rotate to
     */
    public static CaRotationPlan decide(String request, CaState state, Instant now, Duration renewBefore,
                                        Duration grace, boolean published, Map<String, Boolean> shown,
                                        Supplier<CertificateAuthority> newCa) {
        switch (state.step()) {
            case TRUST -> {
                if (!now.isBefore(state.current().notAfter())) {
                    // a step that outlasted the old CA (a store down for days): no certificate of it passes any more,
                    // so waiting for clients or stores saves no handshake
                    return rotating(new CaState(state.current(), state.next(), Step.SERVE, now, state.rotatedFor()),
                            "step 2 of 3: the old CA expired at " + state.current().notAfter() + " before every store "
                                    + "trusted the new one; the stores' and the operator's certificates are issued by "
                                    + "the new CA now: waiting for every store to show one");
                }
                if (!published) {
                    return rotating(null, "step 1 of 3: waiting for ConfigMap <name>-ca-cert to give clients the new "
                            + "CA (" + state.next().subject() + ")");
                }
                if (state.stepSince() == null) {
                    // the grace counts from the moment clients were given the new CA, not from the CA's making
                    return rotating(new CaState(state.current(), state.next(), Step.TRUST, now, state.rotatedFor()),
                            "step 1 of 3: the new CA (" + state.next().subject() + ") is given to clients in ConfigMap "
                                    + "<name>-ca-cert from now; waiting for every store to trust it");
                }
                List<String> behind = behind(shown);
                if (!behind.isEmpty()) {
                    return rotating(null, "step 1 of 3: waiting for " + behind + " to trust the new CA ("
                            + state.next().subject() + "; the kubelet updates a mounted Secret within about a minute)");
                }
                if (now.isBefore(state.stepSince().plus(grace))) {
                    // clients that mount the ConfigMap read the new CA only when the kubelet updates it: one that
                    // met a certificate of the new CA before would refuse it
                    return rotating(null, "step 1 of 3: every store trusts the new CA (" + state.next().subject()
                            + "); waiting until " + state.stepSince().plus(grace) + " (tls.caRotationGraceSeconds) for "
                            + "clients to read it in ConfigMap <name>-ca-cert");
                }
                return rotating(new CaState(state.current(), state.next(), Step.SERVE, now, state.rotatedFor()),
                        "step 2 of 3: every store trusts the new CA; the stores' and the operator's certificates are "
                                + "issued by it now: waiting for every store to show one");
            }
            case SERVE -> {
                List<String> behind = behind(shown);
                if (!behind.isEmpty()) {
                    return rotating(null, "step 2 of 3: waiting for " + behind + " to show a certificate of the new CA ("
                            + state.next().subject() + ")");
                }
                CaState done = new CaState(state.next(), null, Step.NONE, null, state.rotatedFor());
                return new CaRotationPlan(done, true, "Rotated", rotatedMessage(state.next())
                        + "; the old one (" + state.current().subject() + ") is trusted nowhere and its key is deleted",
                        "CA rotated from " + state.current().subject() + " to " + state.next().subject()
                                + " with no restart");
            }
            default -> {
                boolean asked = request != null && !request.equals(state.rotatedFor());
                boolean expiring = !now.isBefore(state.current().notAfter().minus(renewBefore));
                if (!asked && !expiring) {
                    // said from the Secret's state, not only by the pass that finished: an operator that stopped
                    // after the last step and before the status still reports the rotation done
                    return request == null ? new CaRotationPlan(null, null, null, null, null)
                            : new CaRotationPlan(null, true, "Rotated", rotatedMessage(state.current()), null);
                }
                CertificateAuthority next = newCa.get();
                String why = asked ? "asked for by " + REQUEST + "=" + request
                        : "the CA expires at " + state.current().notAfter() + ", within renewBeforeDays";
                return rotating(new CaState(state.current(), next, Step.TRUST, null, asked ? request : state.rotatedFor()),
                        "step 1 of 3 (" + why + "): the new CA (" + next.subject() + ") is trusted beside the old one "
                                + "by the stores and in the ConfigMap of CAs for clients; waiting for every store to "
                                + "trust it");
            }
        }
    }

    private static String rotatedMessage(CertificateAuthority ca) {
        return "the cluster's CA is " + ca.subject() + ", valid until " + ca.notAfter();
    }

    private static CaRotationPlan rotating(CaState write, String message) {
        return new CaRotationPlan(write, false, "Rotating", message, null);
    }

    private static List<String> behind(Map<String, Boolean> shown) {
        return shown.entrySet().stream().filter(e -> !Boolean.TRUE.equals(e.getValue())).map(Map.Entry::getKey)
                .sorted().toList();
    }
}
