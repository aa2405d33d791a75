package dev.kvstore.store.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Who may use the client ports: the current {@link Users}, read again from their directory now and
 * then, so that a changed Secret (a new user, a new password) applies without a restart. A directory
 * that turns unreadable or invalid keeps the users last read (a half-written update must not lock
 * every client out, nor open the store).
 */
public final class Access {

    private static final Logger LOG = Logger.getLogger(Access.class);

    private final Path dir;
    private final Set<String> readOnly;
    private volatile Users users;
    /** What the last read of the directory warned about: told again only when it changes. */
    private java.util.List<String> lastWarnings = java.util.List.of();

    private Access(Path dir, Set<String> readOnly, Users users) {
        this.dir = dir;
        this.readOnly = readOnly;
        this.users = users;
    }

    /** Authentication off. */
    public static Access open() {
        return new Access(null, Set.of(), Users.none());
    }

    /** The users in {@code dir}; fails (the store does not start) when they cannot be read. */
    public static Access of(Path dir, Set<String> readOnly) throws IOException {
        java.util.List<String> warnings = new java.util.ArrayList<>();
        Access access = new Access(dir, Set.copyOf(readOnly), Users.load(dir, readOnly, warnings::add));
        warnings.forEach(LOG::warn);
        access.lastWarnings = warnings;
        LOG.infof("clients authenticate: users %s from %s", access.users.permissions(), dir);
        return access;
    }

    public Users users() {
        return users;
    }

    public boolean required() {
        return users.required();
    }

    public Optional<Users.User> authenticate(String name, byte[] password) {
        return users.authenticate(name, password);
    }

    /** Reads the directory again; answers whether the users changed. One caller at a time. */
    public synchronized boolean reload() {
        if (dir == null) {
            return false;
        }
        try {
            java.util.List<String> warnings = new java.util.ArrayList<>();
            Users read = Users.load(dir, readOnly, warnings::add);
            if (!warnings.equals(lastWarnings)) {
                warnings.forEach(LOG::warn); // every 2 s otherwise
                lastWarnings = warnings;
            }
            if (read.sameAs(users)) {
                return false;
            }
            users = read;
            LOG.infof("users changed: %s", read.permissions());
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("users in %s not reloaded, the ones read before stay: %s", dir, e.getMessage());
            return false;
        }
    }
}
