package dev.kvstore.core.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The cluster secrets a store or the operator holds at one moment: one a line in the cluster Secret's
 * value. The first signs (admin calls, replication proofs); every one listed is accepted. Rotating is
 * three writes of that value, each made only once every store holds the one before: {@code old, new}
 * (the new one accepted everywhere), {@code new, old} (signed with everywhere), then {@code new}.
 * A store or a client never has to guess which one the other side has.
 */
public record ClusterSecrets(List<String> all) {

    /** Hex characters of a fingerprint: enough to tell secrets apart, far too few to learn anything. */
    private static final int FINGERPRINT_HEX = 12;

    public ClusterSecrets {
        all = List.copyOf(all);
        if (all.isEmpty() || all.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("the cluster secret must not be empty");
        }
    }

    public static ClusterSecrets of(String... secrets) {
        return new ClusterSecrets(List.of(secrets));
    }

    /**
     * The secrets in a Secret's value or a file: one a line, surrounding white space not part of one
     * (a value written with a trailing newline, or {@code \r\n}), empty lines skipped.
     */
    public static ClusterSecrets parse(String text) {
        List<String> secrets = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String secret = line.strip();
            if (!secret.isEmpty() && !secrets.contains(secret)) {
                secrets.add(secret);
            }
        }
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("no cluster secret in it (one a line expected)");
        }
        return new ClusterSecrets(secrets);
    }

    /** The value to write for these secrets, one a line. */
    public String text() {
        return String.join("\n", all) + "\n";
    }

    public String signing() {
        return all.get(0);
    }

    /** What a store reports about the secrets it holds, in order (the signing one first): never the secrets. */
    public List<String> fingerprints() {
        return all.stream().map(ClusterSecrets::fingerprint).toList();
    }

    public static String fingerprint(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update("kvstore cluster secret\n".getBytes(StandardCharsets.UTF_8));
            byte[] hash = digest.digest(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, FINGERPRINT_HEX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterSecrets" + fingerprints(); // never the secrets themselves, not even in a log line
    }
}
