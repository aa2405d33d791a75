package dev.kvstore.cli.local;

import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.core.admin.SecretRotation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code kv rotate-secret}: rotates a local cluster's secret file ({@link SecretRotation}'s three steps)
 * while its stores run and take writes. Each step is written by a rename (a store never reads half a
 * file) and the next waits until every store reports the step's fingerprints on its status. The secret
 * it goes to is remembered beside the file, so that a rotation cut short is finished by the next run.
 */
public final class LocalSecretRotation {

    /** The fingerprints each store reports now, by store; null for a store that did not answer. */
    public interface Stores {
        Map<String, List<String>> fingerprints();
    }

    private static final long POLL_MS = 200;

    private final Path secretFile;
    private final Path rotatingTo;

    public LocalSecretRotation(Path dir) {
        this.secretFile = dir.resolve("secret");
        this.rotatingTo = dir.resolve("secret.rotating-to");
    }

    /** Rotates to a new random secret, or finishes the rotation under way; answers the new secret's fingerprint. */
    public String rotate(Stores stores, Duration perStep, Consumer<String> say) throws IOException, InterruptedException {
        ClusterSecrets written = ClusterSecrets.parse(Files.readString(secretFile));
        SecretRotation rotation = Files.exists(rotatingTo)
                ? SecretRotation.underWay(written, Files.readString(rotatingTo).strip()) : null;
        if (rotation == null) {
            if (written.all().size() != 1) {
                throw new IOException(secretFile + " holds " + written.all().size() + " secrets and no rotation is under "
                        + "way: leave the one the stores sign with (the first line) alone on it");
            }
            rotation = new SecretRotation(written.signing(), LocalCluster.newSecret());
            Files.writeString(rotatingTo, ClusterSecrets.fingerprint(rotation.to()) + "\n");
        } else {
            say.accept("finishing the rotation to " + ClusterSecrets.fingerprint(rotation.to()) + " begun before");
        }
        waitUntilHeld(written, stores, perStep, say);
        for (ClusterSecrets next = rotation.after(written); next != null; next = rotation.after(next)) {
            write(next);
            say.accept("cluster secret file now " + next + ": waiting for every store to hold it");
            waitUntilHeld(next, stores, perStep, say);
        }
        Files.deleteIfExists(rotatingTo);
        return ClusterSecrets.fingerprint(rotation.to());
    }

    private void write(ClusterSecrets value) throws IOException {
        Path next = secretFile.resolveSibling(secretFile.getFileName() + ".next");
        Files.writeString(next, value.text());
        LocalCluster.restrictToOwner(next);
        Files.move(next, secretFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void waitUntilHeld(ClusterSecrets written, Stores stores, Duration timeout, Consumer<String> say)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> behind = SecretRotation.notHolding(written, stores.fingerprints());
        while (!behind.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("stores " + behind + " do not hold " + written + " after " + timeout.toSeconds()
                        + " s (down, or of a release before rotation): start them and run kv rotate-secret again, "
                        + "which finishes this rotation");
            }
            Thread.sleep(POLL_MS);
            behind = SecretRotation.notHolding(written, stores.fingerprints());
        }
    }
}
