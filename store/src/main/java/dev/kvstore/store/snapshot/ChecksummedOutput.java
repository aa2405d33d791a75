package dev.kvstore.store.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32C;

/**
 * A snapshot's bytes on their way out, with the CRC-32C of all of them: big-endian ints and longs and runs
 * of bytes gathered in one buffer, the checksum taken over each full buffer at once. A DataOutputStream over
 * a CheckedOutputStream wrote the same bytes, but each int one byte at a time, every byte a checksum call
 * and a synchronized buffered write: about three quarters of a snapshot's CPU, and snapshots are a store's
 * steady cost under writes (a secondary's largest after its event loop). Not thread-safe.
 */
final class ChecksummedOutput {

    private final OutputStream target;
    private final CRC32C crc = new CRC32C();
    private final byte[] buffer;
    private int used;

    ChecksummedOutput(OutputStream target, int bufferBytes) {
        this.target = target;
        if (bufferBytes < Long.BYTES) {
            throw new IllegalArgumentException("a buffer of " + bufferBytes + " bytes cannot hold a long");
        }
        this.buffer = new byte[bufferBytes];
    }

    void writeInt(int value) throws IOException {
        room(Integer.BYTES);
        BigEndian.INT.set(buffer, used, value);
        used += Integer.BYTES;
    }

    void writeLong(long value) throws IOException {
        room(Long.BYTES);
        BigEndian.LONG.set(buffer, used, value);
        used += Long.BYTES;
    }

    void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        if (length > buffer.length - used) {
            drain();
            if (length >= buffer.length) {
                crc.update(bytes, offset, length); // a run as large as the buffer goes out as it is
                target.write(bytes, offset, length);
                return;
            }
        }
        System.arraycopy(bytes, offset, buffer, used, length);
        used += length;
    }

    /** Hands everything written to the target and answers the checksum of all of it; nothing is written after. */
    long finish() throws IOException {
        drain();
        return crc.getValue();
    }

    private void room(int bytes) throws IOException {
        if (buffer.length - used < bytes) {
            drain();
        }
    }

    private void drain() throws IOException {
        crc.update(buffer, 0, used);
        target.write(buffer, 0, used);
        used = 0;
    }
}
