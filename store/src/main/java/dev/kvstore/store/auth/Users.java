package dev.kvstore.store.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The users clients authenticate as, each with a permission and one or more passwords. Read from a
 * directory with one file per user, named after the user and holding its passwords, one a line (a
 * Kubernetes Secret mounted as a volume has that shape; line ends and empty lines are not part of
 * any password). Several passwords are how one is rotated without cutting anyone off, as with
 * Redis ACL's {@code >pass} given twice: add the new one on a line of its own, move the clients to
 * it, then remove the old one (the connections that signed in with it are closed then). Only digests
 * of the passwords are kept, compared in constant time. With no directory, authentication is off:
 * every client is the {@code default} user, as with a Redis that has no password set.
 */
public final class Users {

    /** What a user may do: Redis ACLs' read and write command categories, in two steps. */
    public enum Permission {
        READWRITE, READONLY;

        public boolean writes() {
            return this == READWRITE;
        }
    }

    /** An authenticated client. */
    public record User(String name, Permission permission) {
    }

    /** The user a client is when authentication is off (Redis's {@code default} user without a password). */
    public static final User DEFAULT_OPEN = new User("default", Permission.READWRITE);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** Compared against when the name is unknown, so that a wrong name takes as long as a wrong password. */
    private static final byte[] NO_ONE = digest("\u0000no such user".getBytes(StandardCharsets.UTF_8));

    /**
     * A client signed in: as whom, and with which of the user's passwords (its digest), so that removing
     * that password ends the sign-in while the user's other passwords keep theirs.
     */
    public record SignIn(User user, byte[] passwordDigest) {
    }

    private record Credential(User user, List<byte[]> passwordDigests) {
        boolean holds(byte[] digest) {
            boolean found = false;
            for (byte[] candidate : passwordDigests) {
                found |= MessageDigest.isEqual(candidate, digest); // no early exit: same time for every password
            }
            return found;
        }

        boolean sameAs(Credential other) {
            if (!user.equals(other.user) || passwordDigests.size() != other.passwordDigests.size()) {
                return false;
            }
            for (int i = 0; i < passwordDigests.size(); i++) {
                if (!MessageDigest.isEqual(passwordDigests.get(i), other.passwordDigests.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Map<String, Credential> byName;

    private Users(Map<String, Credential> byName) {
        this.byName = Collections.unmodifiableMap(byName);
    }

    /** Authentication off: no users, every client is {@link #DEFAULT_OPEN}. */
    public static Users none() {
        return new Users(Map.of());
    }

    /**
     * The users in {@code dir}: each regular file whose name is a user name (Kubernetes' {@code ..data}
     * links and other dot files are skipped). Users named in {@code readOnly} get {@link Permission#READONLY}.
     * A file whose name is no user name, or that holds an empty password, is left out and told to
     * {@code warnings}, and so is a read-only user without a file: the same rules at start and at every
     * reload, so that what a running store accepted never keeps a restarted one from starting, and one
     * stray file never freezes later changes (a revoked password among them).
     *
     * @throws IllegalArgumentException when no user is left: a store must not start open by mistake
     */
    public static Users load(Path dir, Set<String> readOnly, java.util.function.Consumer<String> warnings)
            throws IOException {
        Map<String, Credential> users = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(file)) {
                    continue;
                }
                if (!NAME.matcher(name).matches()) {
                    warnings.accept("user file " + file + " left out: a user name is 1 to 64 letters, digits, "
                            + "'.', '_' or '-', starting with a letter or digit");
                    continue;
                }
                List<byte[]> digests = dev.kvstore.core.auth.PasswordLines.of(Files.readAllBytes(file)).stream()
                        .map(Users::digest).toList();
                if (digests.isEmpty()) {
                    warnings.accept("user " + name + " left out: it has no password (" + file + ")");
                    continue;
                }
                Permission permission = readOnly.contains(name) ? Permission.READONLY : Permission.READWRITE;
                users.put(name, new Credential(new User(name, permission), digests));
            }
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("no usable user in " + dir
                    + " (one file per user, named after it, holding its password)");
        }
        for (String name : readOnly) {
            if (!users.containsKey(name)) {
                warnings.accept("read-only user " + name + " has no password file in " + dir); // nothing to restrict
            }
        }
        return new Users(users);
    }

    /** Whether clients must authenticate before anything else. */
    public boolean required() {
        return !byName.isEmpty();
    }

    /** The user with this name and password; empty when either is wrong (the caller cannot tell which). */
    public Optional<User> authenticate(String name, byte[] password) {
        return signIn(name, password).map(SignIn::user);
    }

    /** {@link #authenticate}, remembering which password signed in (see {@link #stillHolds}). */
    public Optional<SignIn> signIn(String name, byte[] password) {
        Credential credential = byName.get(name);
        byte[] digest = digest(password);
        if (credential == null) {
            MessageDigest.isEqual(NO_ONE, digest); // as long as a wrong password
            return Optional.empty();
        }
        return credential.holds(digest) ? Optional.of(new SignIn(credential.user(), digest)) : Optional.empty();
    }

    /**
     * Whether a sign-in made earlier still holds here: its user is present with the same permission and
     * still has the password it signed in with. A connection of a removed user, of one whose permission
     * changed, or whose password was removed, is signed out.
     */
    public boolean stillHolds(SignIn signIn) {
        Credential now = byName.get(signIn.user().name());
        return now != null && now.user().equals(signIn.user()) && now.holds(signIn.passwordDigest());
    }

    /** The user names and permissions (never a password): for logs and status. */
    public Map<String, Permission> permissions() {
        Map<String, Permission> out = new TreeMap<>();
        byName.forEach((name, credential) -> out.put(name, credential.user().permission()));
        return out;
    }

    /** Same users, passwords and permissions. */
    public boolean sameAs(Users other) {
        if (!byName.keySet().equals(other.byName.keySet())) {
            return false;
        }
        for (Map.Entry<String, Credential> entry : byName.entrySet()) {
            if (!entry.getValue().sameAs(other.byName.get(entry.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static byte[] digest(byte[] password) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(password);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
