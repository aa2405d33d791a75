package dev.kvstore.store.auth;

import dev.kvstore.core.admin.ClusterSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
