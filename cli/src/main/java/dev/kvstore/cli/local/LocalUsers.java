package dev.kvstore.cli.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A local cluster's users: {@code users/} in its directory, one file per user holding the password
 * (the shape the stores read, {@code kv.users-dir}). Made on first start with the {@code default}
 * user (the one Redis clients authenticate as with a password alone) and a random password, readable
 * by the owner only; the {@code kv} commands read it from there.
 */
public final class LocalUsers {

    public static final String DEFAULT_USER = "default";

    private LocalUsers() {
    }

    /** A user and its password. */
    public record Credentials(String user, String password) {
    }

    /** The users' directory of the cluster in {@code clusterDir}, made with a random password for {@code default} if absent. */
    public static Path ensure(Path clusterDir) throws IOException {
        Path users = clusterDir.resolve("users");
        Path file = users.resolve(DEFAULT_USER);
        if (Files.exists(file)) {
            return users;
        }
        Files.createDirectories(clusterDir);
        PrivateFiles.createDirectory(users);
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        PrivateFiles.write(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
        return users;
    }

    /** {@code client}, authenticating as the default user of the cluster in {@code clusterDir} when it has users. */
    public static dev.kvstore.cli.client.KvClient signIn(dev.kvstore.cli.client.KvClient client, Path clusterDir)
            throws IOException {
        return of(clusterDir).map(c -> client.as(c.user(), c.password())).orElse(client);
    }

    /**
     * The {@code default} user's credentials of the cluster in {@code clusterDir}; empty when it has no
     * users. Of several passwords (one a line, while one is rotated), the last: the newest.
     */
    public static Optional<Credentials> of(Path clusterDir) throws IOException {
        Path file = clusterDir.resolve("users").resolve(DEFAULT_USER);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        // the store's rule, the same code
        List<String> passwords = dev.kvstore.core.auth.PasswordLines.of(Files.readAllBytes(file)).stream()
                .map(password -> new String(password, StandardCharsets.UTF_8)).toList();
        return passwords.isEmpty() ? Optional.empty()
                : Optional.of(new Credentials(DEFAULT_USER, passwords.get(passwords.size() - 1)));
    }
}
