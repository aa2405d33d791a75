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
            SnapshotData.of(Map.of("a", "1".getBytes(StandardCharsets.UTF_8), "b", new byte[0], "ключ",
                    "значение".getBytes(StandardCharsets.UTF_8))));

    @Test
    void a_snapshot_survives_writing_and_reading() throws IOException {
        SnapshotFile file = new SnapshotFile(dir, 1 << 20, dev.kvstore.core.disk.DiskSync.SYSTEM);
        file.write(snapshot);
        Map<String, byte[]> pairs = new java.util.HashMap<>();
        SnapshotFile.Header back = file.load(pairs::put).orElseThrow();
        assertThat(back.lastIncludedOffset()).isEqualTo(42);
        assertThat(back.history()).isEqualTo(snapshot.history());
        assertThat(back.entries()).isEqualTo(3);
        assertThat(pairs).containsOnlyKeys("a", "b", "ключ");
        assertThat(new String(pairs.get("ключ"), StandardCharsets.UTF_8)).isEqualTo("значение");
    }

    @Test
    void expiries_travel_in_a_format_2_snapshot_and_one_without_them_is_what_earlier_releases_read()
            throws IOException {
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        SnapshotFile.writeTo(snapshot, plain);
        assertThat(new String(plain.toByteArray(), 0, 8, StandardCharsets.US_ASCII)).isEqualTo("KVSNAP1\n");

        Snapshot expiring = new Snapshot(9, EpochHistory.EMPTY.withEntry(1, 1), SnapshotData.of(
                new String[] {"a", "b"}, new byte[][] {"1".getBytes(), "2".getBytes()}, Map.of("a", 123_456L)));
        SnapshotFile file = new SnapshotFile(dir, 1 << 20, dev.kvstore.core.disk.DiskSync.SYSTEM);
        file.write(expiring);
        assertThat(SnapshotFile.formatOf(file.path())).isEqualTo(2);
        Map<String, byte[]> pairs = new java.util.HashMap<>();
        Map<String, Long> expiries = new java.util.HashMap<>();
        file.load(new SnapshotData.Sink() {
            @Override
            public void accept(String key, byte[] value) {
                pairs.put(key, value);
            }

            @Override
            public void expiry(String key, long atMillis) {
                expiries.put(key, atMillis);
            }
        }).orElseThrow();
        assertThat(pairs).containsOnlyKeys("a", "b");
        assertThat(expiries).containsExactly(Map.entry("a", 123_456L));
        file.write(snapshot);
        assertThat(SnapshotFile.formatOf(file.path())).isEqualTo(1);
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
            assertThatThrownBy(() -> SnapshotFile.verify(new ByteArrayInputStream(damaged), 1 << 20))
                    .as("flip at byte %d", at).isInstanceOf(IOException.class);
        }
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 5);
        assertThatThrownBy(() -> SnapshotFile.verify(new ByteArrayInputStream(truncated), 1 << 20))
                .isInstanceOf(IOException.class);
    }

    @Test
    void the_pairs_of_frozen_arrays_are_written_as_they_are_walked() throws IOException {
        SnapshotFile file = new SnapshotFile(dir, 1 << 20, dev.kvstore.core.disk.DiskSync.SYSTEM);
        file.write(new Snapshot(7, EpochHistory.EMPTY.withEntry(1, 1), SnapshotData.of(new String[] {"x", "y"},
                new byte[][] {{1}, {2, 3}})));
        Map<String, byte[]> pairs = new java.util.HashMap<>();
        assertThat(file.load(pairs::put).orElseThrow().entries()).isEqualTo(2);
        assertThat(pairs.get("y")).containsExactly(2, 3);
    }
}
