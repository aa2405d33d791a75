package dev.kvstore.cli.backup;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A snapshot stream checked as it is read: the store's snapshot format ends with the CRC32C of every byte
 * before it (8 bytes, big-endian). At the end of the stream, a mismatch fails the read, so that the backup
 * being written from it is abandoned instead of kept damaged.
 */
final class ChecksummedSnapshot extends FilterInputStream {

    private static final int TRAILER = Long.BYTES;
    private final CRC32C crc = new CRC32C();
    private byte[] tail = new byte[0];
    private boolean checked;

    ChecksummedSnapshot(InputStream in) {
        super(in);
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
        int covered = Math.max(0, seen.length - TRAILER);
        crc.update(seen, 0, covered);
        tail = Arrays.copyOfRange(seen, covered, seen.length);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a checked snapshot stream is read, not skipped");
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
    }
}
