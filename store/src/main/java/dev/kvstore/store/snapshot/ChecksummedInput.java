package dev.kvstore.store.snapshot;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * A snapshot's bytes on their way in, with the CRC-32C of those read: the reading side of
 * {@link ChecksummedOutput}, for the same reason (a DataInputStream over a CheckedInputStream read each int
 * one byte at a time, a checksum call and a synchronized read per byte). The checksum covers the bytes
 * handed out, never those buffered ahead of them: each refill first checksums what was consumed, and
 * {@link #checksum} what was consumed since. Reads ahead of what it hands out, as a buffered stream does.
 * Not thread-safe.
 */
final class ChecksummedInput {

    private final InputStream source;
    private final CRC32C crc = new CRC32C();
    private final byte[] buffer;
    /** The next byte to hand out. */
    private int position;
    /** The end of the bytes read into the buffer. */
    private int limit;
    /** The bytes of the buffer before this are in the checksum. */
    private int checkedUpTo;

    ChecksummedInput(InputStream source, int bufferBytes) {
        this.source = source;
        if (bufferBytes < Long.BYTES) {
            throw new IllegalArgumentException("a buffer of " + bufferBytes + " bytes cannot hold a long");
        }
        this.buffer = new byte[bufferBytes];
    }

    int readInt() throws IOException {
        require(Integer.BYTES);
        int value = (int) BigEndian.INT.get(buffer, position);
        position += Integer.BYTES;
        return value;
    }

    long readLong() throws IOException {
        require(Long.BYTES);
        long value = (long) BigEndian.LONG.get(buffer, position);
        position += Long.BYTES;
        return value;
    }

    void readFully(byte[] into) throws IOException {
        int filled = 0;
        while (filled < into.length) {
            if (position == limit) {
                require(1);
            }
            int count = Math.min(limit - position, into.length - filled);
            System.arraycopy(buffer, position, into, filled, count);
            position += count;
            filled += count;
        }
    }

    /** The checksum of every byte handed out so far. */
    long checksum() {
        crc.update(buffer, checkedUpTo, position - checkedUpTo);
        checkedUpTo = position;
        return crc.getValue();
    }

    /** A long that is not part of the checksum (the one stored after the bytes it covers). */
    long readUncheckedLong() throws IOException {
        checksum();
        long value = readLong();
        checkedUpTo = position;
        return value;
    }

    /** At least {@code bytes} (at most the buffer's size) ready past the position, or EOFException. */
    private void require(int bytes) throws IOException {
        if (limit - position >= bytes) {
            return;
        }
        crc.update(buffer, checkedUpTo, position - checkedUpTo);
        int left = limit - position;
        System.arraycopy(buffer, position, buffer, 0, left);
        position = 0;
        limit = left;
        checkedUpTo = 0;
        while (limit < bytes) {
            int read = source.read(buffer, limit, buffer.length - limit);
            if (read < 0) {
                throw new EOFException("the snapshot ends after " + limit + " of " + bytes + " bytes it needs");
            }
            limit += read;
        }
    }
}
