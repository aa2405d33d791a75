package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.admin.ClusterSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSecretRotationTest {

    @TempDir
    Path dir;

    /** Two stores that hold whatever the file holds when asked, and remember every value they held. */
    private final List<ClusterSecrets> held = new ArrayList<>();

    private Map<String, List<String>> storesReadingTheFile() {
        try {
            ClusterSecrets now = ClusterSecrets.parse(Files.readString(dir.resolve("secret")));
            if (held.isEmpty() || !held.get(held.size() - 1).equals(now)) {
                held.add(now);
            }
            return Map.of("kv-0", now.fingerprints(), "kv-1", now.fingerprints());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void a_rotation_writes_the_three_steps_in_turn_and_leaves_the_new_secret_alone_for_the_owner_only() throws Exception {
        Files.writeString(dir.resolve("secret"), "old\n");

        String fingerprint = new LocalSecretRotation(dir).rotate(this::storesReadingTheFile, Duration.ofSeconds(5), s -> { });

        ClusterSecrets after = ClusterSecrets.parse(Files.readString(dir.resolve("secret")));
        assertThat(after.all()).hasSize(1).doesNotContain("old");
        assertThat(after.fingerprints()).containsExactly(fingerprint);
        String fresh = after.signing();
        assertThat(held).containsExactly(ClusterSecrets.of("old"), ClusterSecrets.of("old", fresh),
                ClusterSecrets.of(fresh, "old"), ClusterSecrets.of(fresh));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("secret")))).isEqualTo("rw-------");
        assertThat(dir.resolve("secret.rotating-to")).doesNotExist();
    }

    @Test
    void a_run_cut_short_after_writing_the_last_step_is_finished_by_the_next_not_begun_again() throws Exception {
        // the run before wrote the new secret alone, then timed out waiting for a store to hold it
        Files.writeString(dir.resolve("secret"), "new\n");
        Files.writeString(dir.resolve("secret.rotating-to"), ClusterSecrets.fingerprint("new") + "\n");

        String fingerprint = new LocalSecretRotation(dir).rotate(this::storesReadingTheFile, Duration.ofSeconds(5), s -> { });

        assertThat(fingerprint).isEqualTo(ClusterSecrets.fingerprint("new"));
        assertThat(Files.readString(dir.resolve("secret")).strip()).isEqualTo("new");
        assertThat(held).containsExactly(ClusterSecrets.of("new"));
        assertThat(dir.resolve("secret.rotating-to")).doesNotExist();
    }

    @Test
    void a_second_rotation_while_one_runs_is_refused_and_changes_nothing() throws Exception {
        Files.writeString(dir.resolve("secret"), "old\n");
        try (FileChannel running = FileChannel.open(dir.resolve("secret.rotation-lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); var lock = running.lock()) {

            assertThatThrownBy(() -> new LocalSecretRotation(dir).rotate(this::storesReadingTheFile, Duration.ofSeconds(5),
                    s -> { })).isInstanceOf(IOException.class).hasMessageContaining("another kv rotate-secret");
        }
        assertThat(Files.readString(dir.resolve("secret"))).isEqualTo("old\n");
        assertThat(dir.resolve("secret.rotating-to")).doesNotExist();
    }
}
