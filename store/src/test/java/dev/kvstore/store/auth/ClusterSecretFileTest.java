package dev.kvstore.store.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.admin.ClusterSecrets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretFileTest {

    @TempDir
    Path dir;

    @Test
    void a_rewritten_file_is_what_the_store_holds_after_the_next_reload() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "old\n");
        ClusterSecretFile secrets = ClusterSecretFile.read(file);
        assertThat(secrets.get()).isEqualTo(ClusterSecrets.of("old"));

        Files.writeString(file, "old\nnew\n");
        assertThat(secrets.reload()).isTrue();
        assertThat(secrets.get().all()).containsExactly("old", "new");
        assertThat(secrets.reload()).as("nothing changed since").isFalse();
    }

    @Test
    void an_emptied_or_missing_file_keeps_the_secrets_held() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "old");
        ClusterSecretFile secrets = ClusterSecretFile.read(file);

        Files.writeString(file, "\n");
        assertThat(secrets.reload()).isFalse();
        Files.delete(file);
        assertThat(secrets.reload()).isFalse();
        assertThat(secrets.get()).isEqualTo(ClusterSecrets.of("old"));
    }

    @Test
    void an_empty_file_at_start_is_refused_with_its_name() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), " \n");
        assertThatThrownBy(() -> ClusterSecretFile.read(file)).hasMessageContaining(file.toString());
    }

    @Test
    void a_secret_and_a_secret_file_both_set_stop_the_start_naming_both() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
        // an inherited KV_SECRET would otherwise win over the file a rotation rewrites, silently
        assertThatThrownBy(() -> ClusterSecretFile.from(Optional.of("from-env"), Optional.of(file.toString())))
                .hasMessageContaining("kv.secret (KV_SECRET)")
                .hasMessageContaining("kv.secret-file (KV_SECRET_FILE)");
    }

    @Test
    void the_file_is_read_when_it_alone_is_set_and_neither_set_is_refused() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
        assertThat(ClusterSecretFile.from(Optional.of(" "), Optional.of(file.toString())).get().signing())
                .isEqualTo("from-file");
        assertThat(ClusterSecretFile.from(Optional.of("fixed"), Optional.empty()).get().signing()).isEqualTo("fixed");
        assertThatThrownBy(() -> ClusterSecretFile.from(Optional.empty(), Optional.empty()))
                .hasMessageContaining("no cluster secret");
    }

    @Test
    void a_fixed_secret_is_never_reloaded() {
        ClusterSecretFile secrets = ClusterSecretFile.fixed("abc");
        assertThat(secrets.reload()).isFalse();
        assertThat(secrets.get().signing()).isEqualTo("abc");
    }
}
