package dev.kvstore.store.auth;

import dev.kvstore.core.admin.ClusterSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The cluster secrets this store holds (replication handshakes, admin signatures), from
 * {@code kv.secret} (fixed) or {@code kv.secret-file} (a mounted Secret, read again while the store
 * runs, so that the secret can be rotated without a restart: see {@link ClusterSecrets}).
 */
public final class ClusterSecretFile implements Supplier<ClusterSecrets> {

    private static final Logger LOG = Logger.getLogger(ClusterSecretFile.class);

    private final Path file;
    private volatile ClusterSecrets current;
    private String lastWarning;

    private ClusterSecretFile(Path file, ClusterSecrets current) {
        this.file = file;
        this.current = current;
    }

    public static ClusterSecretFile fixed(String value) {
        return new ClusterSecretFile(null, ClusterSecrets.parse(value));
    }

    /**
     * The secrets the settings name: {@code kv.secret} or {@code kv.secret-file}, exactly one of them (a fixed
     * secret inherited from the environment would silently win over the file a rotation rewrites).
     */
    public static ClusterSecretFile from(Optional<String> secret, Optional<String> secretFile) throws IOException {
        Optional<String> fixed = secret.filter(value -> !value.isBlank());
        Optional<String> file = secretFile.filter(value -> !value.isBlank());
        if (fixed.isPresent() && file.isPresent()) {
            throw new IllegalStateException("both kv.secret (KV_SECRET) and kv.secret-file (KV_SECRET_FILE) are set;"
                    + " set one of them");
        }
        if (fixed.isPresent()) {
            return fixed(fixed.get());
        }
        if (file.isPresent()) {
            return read(Path.of(file.get()));
        }
        throw new IllegalStateException("no cluster secret: set kv.secret (KV_SECRET) or kv.secret-file (KV_SECRET_FILE)");
    }

    /** Read at start: a missing or empty file stops the start, with the file named. */
    public static ClusterSecretFile read(Path file) throws IOException {
        try {
            return new ClusterSecretFile(file, ClusterSecrets.parse(Files.readString(file)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster secret file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ClusterSecrets get() {
        return current;
    }

    /**
     * Reads the file again; answers whether the secrets changed. A file that cannot be read or holds no
     * secret keeps the secrets held (a store left with none could reach no one). One caller at a time.
     */
    public synchronized boolean reload() {
        if (file == null) {
            return false;
        }
        try {
            ClusterSecrets read = ClusterSecrets.parse(Files.readString(file));
            lastWarning = null;
            if (read.equals(current)) {
                return false;
            }
            LOG.infof("cluster secrets changed: %s, was %s", read, current);
            current = read;
            return true;
        } catch (IOException | RuntimeException e) {
            String warning = "cluster secrets in " + file + " not read again, the ones held stay: " + e.getMessage();
            if (!warning.equals(lastWarning)) {
                LOG.warn(warning); // every reload otherwise
                lastWarning = warning;
            }
            return false;
        }
    }
}
