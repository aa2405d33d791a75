package dev.kvstore.cli.local;

import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.core.admin.SecretRotation;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final Path lock;

    public LocalSecretRotation(Path dir) {
        this.secretFile = dir.resolve("secret");
        this.rotatingTo = dir.resolve("secret.rotating-to");
        this.lock = dir.resolve("secret.rotation-lock");
    }

    /**
     * Rotates to a new random secret, or finishes the rotation under way; answers the new secret's fingerprint.
     * One run at a time: a second one while another runs is refused, changing nothing.
     */
    public String rotate(Stores stores, Duration perStep, Consumer<String> say) throws IOException, InterruptedException {
        try (FileChannel lockFile = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = tryLock(lockFile)) {
            if (held == null) {
                throw new IOException("another kv rotate-secret runs on this cluster (" + lock + " is locked)");
            }
            return rotateHoldingTheLock(stores, perStep, say);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            return null;
        }
    }

    private String rotateHoldingTheLock(Stores stores, Duration perStep, Consumer<String> say)
            throws IOException, InterruptedException {
        ClusterSecrets written = ClusterSecrets.parse(Files.readString(secretFile));
        String goingTo = Files.exists(rotatingTo) ? Files.readString(rotatingTo).strip() : null;
        if (goingTo != null && written.fingerprints().equals(List.of(goingTo))) {
            // cut short after its last step was written: what is left is to see every store hold it
            say.accept("finishing the rotation to " + goingTo + " begun before: its last step is written");
            waitUntilHeld(written, stores, perStep, say);
            Files.deleteIfExists(rotatingTo);
            return goingTo;
        }
        SecretRotation rotation = goingTo == null ? null : SecretRotation.underWay(written, goingTo);
        if (rotation == null) {
            if (written.all().size() != 1) {
                throw new IOException(secretFile + " holds " + written.all().size() + " secrets and no rotation is under "
                        + "way: leave the one the stores sign with (the first line) alone on it");
            }
            rotation = new SecretRotation(written.signing(), LocalCluster.newSecret());
            PrivateFiles.write(rotatingTo, ClusterSecrets.fingerprint(rotation.to()) + "\n");
        } else {
            say.accept("finishing the rotation to " + ClusterSecrets.fingerprint(rotation.to()) + " begun before");
        }
        waitUntilHeld(written, stores, perStep, say);
        for (ClusterSecrets next = rotation.after(written); next != null; next = rotation.after(next)) {
            PrivateFiles.write(secretFile, next.text());
            say.accept("cluster secret file now " + next + ": waiting for every store to hold it");
            waitUntilHeld(next, stores, perStep, say);
        }
        Files.deleteIfExists(rotatingTo);
        return ClusterSecrets.fingerprint(rotation.to());
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
