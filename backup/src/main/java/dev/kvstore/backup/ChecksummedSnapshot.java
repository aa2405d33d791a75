package dev.kvstore.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A snapshot stream checked as it is read: the store's snapshot format ends with the CRC32C of every byte
 * before it (8 bytes, big-endian). At the end of the stream, a mismatch fails the read, so that the backup
 * being written from it is abandoned instead of kept damaged. It also reads what the snapshot says it covers
 * from its header ({@link #covers()}): the manifest records that, not what the HTTP headers claimed.
 */
final class ChecksummedSnapshot extends FilterInputStream {

    private static final int TRAILER = Long.BYTES;
    /** Magic, last offset, number of epochs: what comes before the epochs. */
    private static final int FIXED_HEAD = 8 + Long.BYTES + Integer.BYTES;
    /** A header with more epochs than this (a million failovers) is not a snapshot the store writes. */
    private static final int MAX_EPOCHS = 1 << 20;

    /** The last offset a snapshot covers and that entry's epoch, as its header says. */
    record Covers(long offset, long epoch) {
    }

    private java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    private Covers covers;
    private final CRC32C crc = new CRC32C();
    private byte[] tail = new byte[0];
    private boolean checked;

    /** What the store announced the snapshot covers: the stream fails at its end if the header says otherwise. */
    private final Covers announced;

    ChecksummedSnapshot(InputStream in, Covers announced) {
        super(in);
        this.announced = announced;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
            check();
            return n;
        }
        // every byte but the last eight seen so far is covered by the checksum
        byte[] seen = Arrays.copyOf(tail, tail.length + n);
        System.arraycopy(buffer, offset, seen, tail.length, n);
        if (head != null) {
            readHead(buffer, offset, n);
        }
        int covered = Math.max(0, seen.length - TRAILER);
        crc.update(seen, 0, covered);
        tail = Arrays.copyOfRange(seen, covered, seen.length);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a checked snapshot stream is read, not skipped");
    }

    /** What the snapshot covers; known once the stream ended whole. */
    Covers covers() throws IOException {
        if (!checked || covers == null) {
            throw new IOException("the backup ended before its snapshot's header was read");
        }
        return covers;
    }

    /** Keeps the first bytes until the header's offset and epochs are all in, then reads them. */
    private void readHead(byte[] buffer, int offset, int n) throws IOException {
        head.write(buffer, offset, n);
        byte[] bytes = head.toByteArray();
        if (bytes.length < FIXED_HEAD) {
            return;
        }
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(bytes);
        header.position(8);
        long last = header.getLong();
        int epochs = header.getInt();
        if (epochs < 0 || epochs > MAX_EPOCHS) {
            throw new IOException("the backup's snapshot header claims " + epochs + " epochs: not a snapshot");
        }
        if (bytes.length < FIXED_HEAD + epochs * 16L) {
            return;
        }
        long epoch = 0; // the epoch whose start is the last at or before the last offset
        for (int i = 0; i < epochs; i++) {
            long startEpoch = header.getLong();
            long startOffset = header.getLong();
            if (startOffset <= last && last > 0) {
                epoch = startEpoch;
            }
        }
        covers = new Covers(last, epoch);
        head = null;
    }

    private void check() throws IOException {
        if (checked) {
            return;
        }
        checked = true;
        long expected = 0;
        for (byte b : tail) {
            expected = expected << 8 | (b & 0xff);
        }
        if (tail.length != TRAILER || expected != crc.getValue()) {
            throw new IOException("the backup's bytes do not match their checksum (damaged or cut on the way)");
        }
        // before the storage completes the upload: a snapshot that is not the one announced is not kept
        if (covers == null || !covers.equals(announced)) {
            throw new IOException("the snapshot covers offset " + (covers == null ? "?" : covers.offset()) + " (epoch "
                    + (covers == null ? "?" : covers.epoch()) + "), its store announced " + announced.offset()
                    + " (epoch " + announced.epoch() + ")");
        }
    }
}
