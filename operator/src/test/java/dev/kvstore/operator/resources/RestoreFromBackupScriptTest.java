package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restore init container's script, run with this machine's sh, curl and coreutils (the store image has them). */
class RestoreFromBackupScriptTest {

    @TempDir
    Path dir;

    private record Run(int exit, String output) {
    }

    private Run run(Path secretDir, Path file) throws Exception {
        return runWithLog(secretDir, file, null);
    }

    /** @param log where the archived log goes (a restore to a point in time), or null */
    private Run runWithLog(Path secretDir, Path file, Path log) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", RestoreFromBackup.SCRIPT).redirectErrorStream(true);
        builder.environment().put(RestoreFromBackup.SECRET_DIR_ENV, secretDir.toString());
        builder.environment().put(RestoreFromBackup.FILE_ENV, file.toString());
        if (log != null) {
            builder.environment().put(RestoreFromBackup.LOG_FILE_ENV, log.toString());
        }
        builder.environment().put("KV_RESTORE_RETRIES", "0"); // a pod retries for half a minute; a test need not
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), output);
    }

    private Path secretDir(String url, String sha256) throws Exception {
        Path secret = Files.createDirectories(dir.resolve("secret"));
        if (url != null) {
            Files.writeString(secret.resolve("url"), url);
        }
        Files.writeString(secret.resolve("sha256"), sha256);
        return secret;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void fetches_the_snapshot_whole_and_checked_into_the_data_volume() throws Exception {
        byte[] snapshot = "a snapshot's bytes".getBytes(StandardCharsets.UTF_8);
        Path source = Files.write(dir.resolve("source.snapshot"), snapshot);
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Run run = run(secretDir(source.toUri().toString(), sha256(snapshot)), file);
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(snapshot);
        // run again (the pod restarted): fetched before, kept as it is
        Files.delete(source);
        Run again = run(dir.resolve("secret"), file);
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("fetched before");
    }

    @Test
    void a_snapshot_that_does_not_match_its_manifest_is_refused_and_nothing_is_left() throws Exception {
        Path source = Files.writeString(dir.resolve("source.snapshot"), "damaged bytes");
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Run run = run(secretDir(source.toUri().toString(), sha256("the bytes backed up".getBytes())), file);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("damaged, nothing restored");
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling("kv-1.snapshot.part")).doesNotExist();
    }

    @Test
    void an_address_that_cannot_be_fetched_fails_the_container() throws Exception {
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Run run = run(secretDir(dir.resolve("absent.snapshot").toUri().toString(), sha256(new byte[0])), file);
        assertThat(run.exit()).isNotZero();
        assertThat(file).doesNotExist();
    }

    @Test
    void once_the_cluster_is_restored_nothing_is_fetched_and_the_store_may_start() throws Exception {
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Path secret = secretDir(null, "0");
        Files.writeString(secret.resolve("restored"), "true");
        Run run = run(secret, file);
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("nothing to fetch");
        assertThat(file).doesNotExist();
    }

    @Test
    void without_an_address_and_without_the_restored_mark_the_store_does_not_start() throws Exception {
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Run run = run(secretDir(null, "0"), file);
        assertThat(run.exit()).as("a store must never start empty by mistake").isEqualTo(1);
        assertThat(run.output()).contains("no address to fetch the backup from");
        Files.writeString(dir.resolve("secret").resolve("restored"), "false");
        assertThat(run(dir.resolve("secret"), file).exit()).isEqualTo(1);
    }

    @Test
    void a_restore_to_a_point_fetches_the_archived_log_first_each_checked() throws Exception {
        byte[] snapshot = "a snapshot's bytes".getBytes(StandardCharsets.UTF_8);
        byte[] log = "the archived entries".getBytes(StandardCharsets.UTF_8);
        Path snapshotSource = Files.write(dir.resolve("source.snapshot"), snapshot);
        Path logSource = Files.write(dir.resolve("source.kvlog"), log);
        Path secret = secretDir(snapshotSource.toUri().toString(), sha256(snapshot));
        Path file = dir.resolve("data/restore/kv-1.snapshot");
        Path logFile = dir.resolve("data/restore/kv-1.kvlog");

        Run noAddress = runWithLog(secret, file, logFile);
        assertThat(noAddress.exit()).as("no log address: a store must not restore to the backup's point instead")
                .isEqualTo(1);
        assertThat(noAddress.output()).contains("no address to fetch the archived log");
        assertThat(file).doesNotExist();

        Files.writeString(secret.resolve("log-url"), logSource.toUri().toString());
        Files.writeString(secret.resolve("log-sha256"), sha256("other entries".getBytes(StandardCharsets.UTF_8)));
        Run damaged = runWithLog(secret, file, logFile);
        assertThat(damaged.exit()).isEqualTo(1);
        assertThat(damaged.output()).contains("the archived log fetched has SHA-256").contains("damaged, nothing restored");
        assertThat(logFile).doesNotExist();
        assertThat(file).as("the snapshot comes after the log: not fetched").doesNotExist();

        Files.writeString(secret.resolve("log-sha256"), sha256(log));
        Run run = runWithLog(secret, file, logFile);
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.readAllBytes(logFile)).isEqualTo(log);
        assertThat(Files.readAllBytes(file)).isEqualTo(snapshot);
    }
}
