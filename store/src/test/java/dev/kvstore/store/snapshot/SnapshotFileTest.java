package dev.kvstore.store.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.store.log.EpochHistory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFileTest {

    @TempDir
    Path dir;

    private final Snapshot snapshot = new Snapshot(42, EpochHistory.EMPTY.withEntry(1, 1).withEntry(3, 30),
            Map.of("a", "1".getBytes(StandardCharsets.UTF_8), "b", new byte[0], "ключ",
                    "значение".getBytes(StandardCharsets.UTF_8)));

    @Test
    void a_snapshot_survives_writing_and_reading() throws IOException {
        SnapshotFile file = new SnapshotFile(dir, 1 << 20, dev.kvstore.core.disk.DiskSync.SYSTEM);
        file.write(snapshot);
        Snapshot back = file.read().orElseThrow();
        assertThat(back.lastIncludedOffset()).isEqualTo(42);
        assertThat(back.history()).isEqualTo(snapshot.history());
        assertThat(back.data()).containsOnlyKeys("a", "b", "ключ");
        assertThat(new String(back.data().get("ключ"), StandardCharsets.UTF_8)).isEqualTo("значение");
    }

    @Test
    void any_flipped_byte_or_missing_tail_is_detected() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SnapshotFile.writeTo(snapshot, out);
        byte[] bytes = out.toByteArray();
        for (int i = 0; i < bytes.length; i++) {
            byte[] damaged = bytes.clone();
            damaged[i] ^= 0x40;
            int at = i;
            assertThatThrownBy(() -> SnapshotFile.readFrom(new ByteArrayInputStream(damaged), 1 << 20))
                    .as("flip at byte %d", at).isInstanceOf(IOException.class);
        }
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        assertThatThrownBy(() -> SnapshotFile.readFrom(new ByteArrayInputStream(truncated), 1 << 20))
                .isInstanceOf(IOException.class);
    }
}
