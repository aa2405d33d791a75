package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.disk.ScriptedDisk;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineTest {

    @TempDir
    Path dir;

    @Test
    void a_quarantine_file_survives_a_power_loss_once_kept() throws Exception {
        ScriptedDisk disk = new ScriptedDisk();
        Path quarantineDir = dir.resolve("quarantine");
        Quarantine quarantine = new Quarantine(quarantineDir, 1 << 20, disk);
        Path file = quarantine.keep(List.of(LogEntry.put(1, 7, "a", "1".getBytes())), 2);

        assertThat(disk.forcedDirectoryWhere(quarantineDir, entries -> entries.contains(file.getFileName().toString())))
                .as("quarantine directory forced with the new file in it; forces: %s", disk.forces()).isTrue();
        assertThat(disk.forcedDirectoryWhere(dir, entries -> entries.contains("quarantine")))
                .as("the quarantine directory itself is durable in its parent").isTrue();
        assertThat(new Quarantine(quarantineDir, 1 << 20, disk).entries()).isEqualTo(1);
    }
}
