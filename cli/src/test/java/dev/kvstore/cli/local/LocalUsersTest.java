package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalUsersTest {

    @TempDir
    Path cluster;

    @Test
    void the_cli_signs_in_with_the_newest_of_the_passwords_while_one_is_rotated() throws Exception {
        Files.createDirectories(cluster.resolve("users"));
        Files.writeString(cluster.resolve("users/default"), "old-one\nnew-one\n");
        assertThat(LocalUsers.of(cluster)).get().extracting(LocalUsers.Credentials::password).isEqualTo("new-one");
    }

    @Test
    void a_cluster_made_by_kv_local_has_one_password_that_the_cli_uses() throws Exception {
        LocalUsers.ensure(cluster);
        String password = Files.readString(cluster.resolve("users/default")).strip();
        assertThat(LocalUsers.of(cluster)).get().extracting(LocalUsers.Credentials::password).isEqualTo(password);
    }
}
