package dev.kvstore.core.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rotating the cluster secret from {@code from} to {@code to} without a pause: three values written in
 * turn where the stores read it, {@code from,to} (the new one accepted everywhere), {@code to,from}
 * (signed with everywhere), {@code to}. Each is written only once every store holds the one before, so
 * that no store ever signs with a secret another store does not accept. The operator and
 * {@code kv rotate-secret} both follow it; only how they write the value differs.
 */
public record SecretRotation(String from, String to) {

    public SecretRotation {
        if (from.equals(to)) {
            throw new IllegalArgumentException("the new cluster secret is the one in use");
        }
    }

    /** A new random cluster secret: 24 random bytes, in hex (as local mode makes its first one). */
    public static String newSecret() {
        byte[] random = new byte[24];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.HexFormat.of().formatHex(random);
    }

    /** The values written, in order. */
    public List<ClusterSecrets> steps() {
        return List.of(ClusterSecrets.of(from, to), ClusterSecrets.of(to, from), ClusterSecrets.of(to));
    }

    /** The value to write after {@code written}; null when it is the last step (or none of this rotation). */
    public ClusterSecrets after(ClusterSecrets written) {
        if (written.equals(ClusterSecrets.of(from))) {
            return steps().get(0);
        }
        List<ClusterSecrets> steps = steps();
        int at = steps.indexOf(written);
        return at < 0 || at == steps.size() - 1 ? null : steps.get(at + 1);
    }

    public boolean doneAt(ClusterSecrets written) {
        return written.equals(ClusterSecrets.of(to));
    }

    /**
     * The stores that do not hold {@code written} yet (their reported fingerprints differ), by name; a store
     * that did not answer ({@code null} report) is among them: it may still hold an older value.
     */
    public static List<String> notHolding(ClusterSecrets written, Map<String, List<String>> reported) {
        List<String> behind = new ArrayList<>();
        reported.forEach((store, fingerprints) -> {
            if (!written.fingerprints().equals(fingerprints)) {
                behind.add(store);
            }
        });
        behind.sort(null);
        return behind;
    }

    /**
     * The rotation under way in {@code written} (one of its two-secret steps), given the fingerprint of the
     * secret it goes to; null when {@code written} is no such step (a single secret: not begun, or done).
     */
    public static SecretRotation underWay(ClusterSecrets written, String toFingerprint) {
        List<String> all = written.all();
        if (all.size() != 2) {
            return null;
        }
        if (ClusterSecrets.fingerprint(all.get(1)).equals(toFingerprint)) {
            return new SecretRotation(all.get(0), all.get(1));
        }
        if (ClusterSecrets.fingerprint(all.get(0)).equals(toFingerprint)) {
            return new SecretRotation(all.get(1), all.get(0));
        }
        return null;
    }

    @Override
    public String toString() {
        // never the secrets themselves, not even in a test's failure message
        return "SecretRotation[" + ClusterSecrets.fingerprint(from) + " -> " + ClusterSecrets.fingerprint(to) + "]";
    }
}
