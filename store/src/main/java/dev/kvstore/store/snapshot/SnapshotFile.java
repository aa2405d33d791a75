package dev.kvstore.store.snapshot;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.log.EpochHistory;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The snapshot on disk: {@code "KVSNAP1\n", long lastIncludedOffset, int n, n x (long epoch, long start),
 * long entries, entries x (int keyLength, key, int valueLength, value), long crc32c}; when a key has a
 * time to live, the magic is {@code "KVSNAP2\n"} and {@code long expiries, expiries x (int keyLength,
 * key, long expiresAtMillis)} follow the pairs (a snapshot without one is exactly what releases
 * before log format 2 read). Written to a
 * temporary file, forced, then renamed, so a crash leaves either the old snapshot or the new one.
 * The same bytes travel to a secondary that is too far behind for the log. Read as a stream: the pairs
 * go to a sink one by one and are never gathered here, so loading a snapshot needs no second copy
 * of the data set in memory.
 */
public final class SnapshotFile {

    /** What a snapshot says besides its pairs. */
    public record Header(long lastIncludedOffset, EpochHistory history, long entries) {
    }

    private static final byte[] MAGIC = "KVSNAP1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MAGIC_WITH_EXPIRIES = "KVSNAP2\n".getBytes(StandardCharsets.US_ASCII);
    public static final String NAME = "snapshot";
    /** What the writer gathers before each write to the file (and the checksum over it), and the reader reads ahead. */
    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final int maxEntryBytes;
    private final DurableFiles files;

    public SnapshotFile(Path dir, int maxEntryBytes, DiskSync disk) {
        this.file = dir.resolve(NAME);
        this.maxEntryBytes = maxEntryBytes;
        this.files = new DurableFiles(disk);
    }

    public Path path() {
        return file;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    public void write(Snapshot snapshot) throws IOException {
        Path tmp = file.resolveSibling(NAME + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writeTo(snapshot, out);
            }
            install(tmp);
        } catch (IOException | RuntimeException e) {
            // a half-written file would only hold disk space (a full volume is the likely cause)
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Moves a complete, checked snapshot file into place atomically. */
    public void install(Path complete) throws IOException {
        files.replace(complete, file);
    }

    public void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    public static void writeTo(Snapshot snapshot, OutputStream target) throws IOException {
        ChecksummedOutput out = new ChecksummedOutput(target, BUFFER_BYTES);
        long expiring = snapshot.data().expiringCount();
        out.write(expiring == 0 ? MAGIC : MAGIC_WITH_EXPIRIES);
        out.writeLong(snapshot.lastIncludedOffset());
        out.writeInt(snapshot.history().starts().size());
        for (EpochHistory.Start start : snapshot.history().starts()) {
            out.writeLong(start.epoch());
            out.writeLong(start.offset());
        }
        out.writeLong(snapshot.data().size());
        snapshot.data().forEachEncoded((key, keyOffset, keyLength, value, valueOffset, valueLength) -> {
            out.writeInt(keyLength);
            out.write(key, keyOffset, keyLength);
            out.writeInt(valueLength);
            out.write(value, valueOffset, valueLength);
        });
        if (expiring != 0) {
            out.writeLong(expiring);
            long[] written = {0};
            snapshot.data().forEachExpiry((key, keyOffset, keyLength, atMillis) -> {
                out.writeInt(keyLength);
                out.write(key, keyOffset, keyLength);
                out.writeLong(atMillis);
                written[0]++;
            });
            if (written[0] != expiring) {
                throw new IOException("the snapshot's expiries changed while written: " + written[0] + " of " + expiring);
            }
        }
        long sum = out.finish();
        DataOutputStream tail = new DataOutputStream(target);
        tail.writeLong(sum);
        tail.flush();
    }

    /** Feeds the snapshot's pairs to {@code sink}, then checks its checksum; empty when there is none. */
    public Optional<Header> load(SnapshotData.Sink sink) throws IOException {
        if (!exists()) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(readFrom(in, maxEntryBytes, sink));
        }
    }

    /** Reads a whole snapshot and checks it, keeping none of its pairs. */
    public static Header verify(InputStream source, int maxEntryBytes) throws IOException {
        return readFrom(source, maxEntryBytes, (key, value) -> { });
    }

    /**
     * Streams a snapshot's pairs into {@code sink} as they are read. The checksum is known only at the
     * end: a caller that must not take in a damaged snapshot {@link #verify}s it first.
     *
     * @throws IOException when the bytes are not one whole, intact snapshot
     */
    public static Header readFrom(InputStream source, int maxEntryBytes, SnapshotData.Sink sink) throws IOException {
        ChecksummedInput in = new ChecksummedInput(source, BUFFER_BYTES);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            boolean withExpiries = java.util.Arrays.equals(magic, MAGIC_WITH_EXPIRIES);
            if (!withExpiries && !java.util.Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a snapshot (bad magic)");
            }
            long last = in.readLong();
            int starts = in.readInt();
            if (starts < 0 || starts > 1_000_000) {
                throw new IOException("snapshot claims " + starts + " epochs");
            }
            List<EpochHistory.Start> history = new ArrayList<>(starts);
            for (int i = 0; i < starts; i++) {
                history.add(new EpochHistory.Start(in.readLong(), in.readLong()));
            }
            long entries = in.readLong();
            if (entries < 0) {
                throw new IOException("snapshot claims " + entries + " entries");
            }
            for (long i = 0; i < entries; i++) {
                byte[] key = sized(in, maxEntryBytes);
                sink.accept(new String(key, StandardCharsets.UTF_8), sized(in, maxEntryBytes));
            }
            if (withExpiries) {
                long expiries = in.readLong();
                if (expiries < 0 || expiries > entries) {
                    throw new IOException("snapshot claims " + expiries + " expiries for " + entries + " entries");
                }
                for (long i = 0; i < expiries; i++) {
                    String key = new String(sized(in, maxEntryBytes), StandardCharsets.UTF_8);
                    long at = in.readLong();
                    if (at <= 0) {
                        throw new IOException("snapshot holds expiry " + at);
                    }
                    sink.expiry(key, at);
                }
            }
            long expected = in.checksum();
            long stored = in.readUncheckedLong();
            if (stored != expected) {
                throw new IOException("snapshot checksum mismatch");
            }
            return new Header(last, new EpochHistory(history), entries);
        } catch (EOFException e) {
            throw new IOException("snapshot is truncated", e);
        } catch (IllegalArgumentException e) {
            throw new IOException("snapshot is corrupt: " + e.getMessage(), e);
        }
    }

    /** The log format a snapshot file needs: 2 when it holds expiries, else 1. */
    public static int formatOf(Path snapshot) throws IOException {
        try (InputStream in = Files.newInputStream(snapshot)) {
            return formatOf(in.readNBytes(MAGIC.length));
        }
    }

    /** The log format a snapshot needs, from its first bytes. */
    public static int formatOf(byte[] head) {
        return java.util.Arrays.equals(head, MAGIC_WITH_EXPIRIES) ? 2 : 1;
    }

    private static byte[] sized(ChecksummedInput in, int max) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > max) {
            throw new IOException("snapshot field of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
