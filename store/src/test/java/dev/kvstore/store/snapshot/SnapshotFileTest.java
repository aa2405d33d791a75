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
        Collected read = new Collected();
        file.load(read).orElseThrow();
        assertThat(read.pairs).containsOnlyKeys("a", "b");
        assertThat(read.expiries).containsExactly(Map.entry("a", 123_456L));
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

    /**
     * The bytes are exactly the documented format, built here with DataOutputStream and CRC32C as releases before
     * the buffered writer wrote them (they read what this one writes, and this one reads what they wrote): pairs
     * and expiries across many 64 KiB buffers, a value larger than a buffer, an empty one, keys not in ASCII.
     */
    @Test
    void the_bytes_are_the_documented_format_across_many_buffers() throws IOException {
        int pairs = 3_000;
        String[] keys = new String[pairs];
        byte[][] values = new byte[pairs][];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < pairs; i++) {
            keys[i] = (i % 3 == 0 ? "ключ-" : "key-") + i;
            values[i] = new byte[i == 1_000 ? 200_000 : i == 1_001 ? 0 : random.nextInt(300)];
            random.nextBytes(values[i]);
        }
        Map<String, Long> expiries = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs; i += 7) {
            expiries.put(keys[i], 1_700_000_000_000L + i);
        }
        Snapshot large = new Snapshot(123_456, EpochHistory.EMPTY.withEntry(1, 1).withEntry(4, 77),
                SnapshotData.of(keys, values, expiries));

        ByteArrayOutputStream reference = new ByteArrayOutputStream();
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        java.io.DataOutputStream out = new java.io.DataOutputStream(new java.util.zip.CheckedOutputStream(reference, crc));
        out.write("KVSNAP2\n".getBytes(StandardCharsets.US_ASCII));
        out.writeLong(123_456);
        out.writeInt(2);
        out.writeLong(1);
        out.writeLong(1);
        out.writeLong(4);
        out.writeLong(77);
        out.writeLong(pairs);
        for (int i = 0; i < pairs; i++) {
            byte[] key = keys[i].getBytes(StandardCharsets.UTF_8);
            out.writeInt(key.length);
            out.write(key);
            out.writeInt(values[i].length);
            out.write(values[i]);
        }
        out.writeLong(expiries.size());
        for (Map.Entry<String, Long> expiry : expiries.entrySet()) {
            byte[] key = expiry.getKey().getBytes(StandardCharsets.UTF_8);
            out.writeInt(key.length);
            out.write(key);
            out.writeLong(expiry.getValue());
        }
        out.flush();
        new java.io.DataOutputStream(reference).writeLong(crc.getValue());
        byte[] expected = reference.toByteArray();

        ByteArrayOutputStream written = new ByteArrayOutputStream();
        SnapshotFile.writeTo(large, written);
        assertThat(written.toByteArray()).isEqualTo(expected);

        Collected read = new Collected();
        SnapshotFile.Header header = SnapshotFile.readFrom(new ByteArrayInputStream(expected), 1 << 20, read);
        assertThat(header.lastIncludedOffset()).isEqualTo(123_456);
        assertThat(header.history()).isEqualTo(large.history());
        assertThat(header.entries()).isEqualTo(pairs);
        assertThat(read.pairs.keySet()).containsExactly(keys);
        for (int i = 0; i < pairs; i++) {
            assertThat(read.pairs.get(keys[i])).as(keys[i]).isEqualTo(values[i]);
        }
        assertThat(read.expiries).containsExactlyEntriesOf(expiries);
    }

    /** As the store hands them over: slices of larger arrays (records), a value larger than the buffer among them. */
    @Test
    void pairs_handed_over_as_slices_of_larger_arrays_are_written_as_the_same_bytes() throws IOException {
        String[] keys = {"a", "big", "ключ"};
        byte[][] values = {"1".getBytes(StandardCharsets.UTF_8), new byte[200_000], new byte[70_000]};
        new java.util.Random(3).nextBytes(values[1]);
        new java.util.Random(4).nextBytes(values[2]);
        SnapshotData whole = SnapshotData.of(keys, values);
        SnapshotData sliced = new SnapshotData() {
            @Override
            public long size() {
                return keys.length;
            }

            @Override
            public void forEach(Sink sink) {
                whole.forEach(sink);
            }

            @Override
            public void forEachEncoded(EncodedSink sink) throws IOException {
                for (int i = 0; i < keys.length; i++) {
                    byte[] key = keys[i].getBytes(StandardCharsets.UTF_8);
                    byte[] record = new byte[5 + key.length + values[i].length + 7];
                    java.util.Arrays.fill(record, (byte) 0x5a); // bytes around the slices, never to be written
                    System.arraycopy(key, 0, record, 5, key.length);
                    System.arraycopy(values[i], 0, record, 5 + key.length, values[i].length);
                    sink.accept(record, 5, key.length, record, 5 + key.length, values[i].length);
                }
            }
        };
        ByteArrayOutputStream fromSlices = new ByteArrayOutputStream();
        SnapshotFile.writeTo(new Snapshot(8, EpochHistory.EMPTY.withEntry(1, 1), sliced), fromSlices);
        ByteArrayOutputStream fromWholeArrays = new ByteArrayOutputStream();
        SnapshotFile.writeTo(new Snapshot(8, EpochHistory.EMPTY.withEntry(1, 1), whole), fromWholeArrays);
        assertThat(fromSlices.toByteArray()).isEqualTo(fromWholeArrays.toByteArray());
        assertThat(SnapshotFile.verify(new ByteArrayInputStream(fromSlices.toByteArray()), 1 << 20).entries()).isEqualTo(3);
    }

    /** A read stream that hands out a byte or a few at a time, as a socket may: the checksum still covers each once. */
    @Test
    void a_large_snapshot_read_in_dribbles_is_checked_and_any_flipped_byte_is_detected() throws IOException {
        String[] keys = new String[2_000];
        byte[][] values = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "k" + i;
            values[i] = ("value-" + i).repeat(1 + i % 20).getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        SnapshotFile.writeTo(new Snapshot(5, EpochHistory.EMPTY.withEntry(1, 1), SnapshotData.of(keys, values)), written);
        byte[] bytes = written.toByteArray();
        assertThat(bytes.length).isGreaterThan(3 << 16);

        assertThat(SnapshotFile.verify(dribbling(bytes), 1 << 20).entries()).isEqualTo(keys.length);
        assertThat(SnapshotFile.verify(new ByteArrayInputStream(bytes), 1 << 20).entries()).isEqualTo(keys.length);
        for (int at : new int[] {9, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 2 << 16, bytes.length / 2, bytes.length - 9,
                bytes.length - 1}) {
            byte[] damaged = bytes.clone();
            damaged[at] ^= 0x01;
            // in dribbles (a refill every few bytes) and whole (a refill every 64 KiB, with bytes carried over)
            assertThatThrownBy(() -> SnapshotFile.verify(dribbling(damaged), 1 << 20)).as("flip at byte %d", at)
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> SnapshotFile.verify(new ByteArrayInputStream(damaged), 1 << 20))
                    .as("flip at byte %d", at).isInstanceOf(IOException.class);
        }
        // a flip in the header's offset and one in the last value's bytes: only the checksum can tell
        for (int at : new int[] {9, bytes.length - 9}) {
            byte[] damaged = bytes.clone();
            damaged[at] ^= 0x01;
            assertThatThrownBy(() -> SnapshotFile.verify(dribbling(damaged), 1 << 20)).as("flip at byte %d", at)
                    .hasMessageContaining("checksum");
            assertThatThrownBy(() -> SnapshotFile.verify(new ByteArrayInputStream(damaged), 1 << 20))
                    .as("flip at byte %d", at).hasMessageContaining("checksum");
        }
    }

    private static java.io.InputStream dribbling(byte[] bytes) {
        return new java.io.FilterInputStream(new ByteArrayInputStream(bytes)) {
            private int turn;

            @Override
            public int read(byte[] into, int offset, int length) throws IOException {
                return super.read(into, offset, Math.min(length, 1 + turn++ % 7));
            }
        };
    }

    /** What a snapshot's reader handed over, in order. */
    private static final class Collected implements SnapshotData.Sink {
        final Map<String, byte[]> pairs = new java.util.LinkedHashMap<>();
        final Map<String, Long> expiries = new java.util.LinkedHashMap<>();

        @Override
        public void accept(String key, byte[] value) {
            pairs.put(key, value);
        }

        @Override
        public void expiry(String key, long atMillis) {
            expiries.put(key, atMillis);
        }
    }
}
