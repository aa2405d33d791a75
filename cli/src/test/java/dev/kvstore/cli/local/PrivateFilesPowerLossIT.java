package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.power.LossyDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A secret (or password) file written by local mode survives a power cut right after the write: `kv rotate-secret`
 * then reports the new secret in force, and a machine that loses power must not come back with the old one,
 * an empty file, or none. On lossyfs (hack/lossyfs), which loses what was not forced.
 */
class PrivateFilesPowerLossIT {

    @Test
    void a_private_file_written_whole_is_there_whole_after_a_power_cut() throws Exception {
        Path dir = Files.createTempDirectory("kv-private-files");
        Path backing = dir.resolve("backing");
        LossyDisk disk = LossyDisk.mount(backing, dir.resolve("mount"));
        try {
            Path secret = disk.path().resolve("secret");
            PrivateFiles.write(secret, "old\n");
            PrivateFiles.write(secret, "new\n");

            LossyDisk.Cut cut = disk.powerCut();
            disk = LossyDisk.mount(backing, dir.resolve("mount"));

            System.out.printf("power cut after two writes of a private file: %d unforced bytes lost, %d directory "
                    + "changes undone%n", cut.bytes(), cut.entries());
            assertThat(Files.exists(disk.path().resolve("secret"))).as("the file after the cut").isTrue();
            assertThat(Files.readString(disk.path().resolve("secret"))).as("its content after the cut").isEqualTo("new\n");
        } finally {
            disk.close();
        }
    }
}
