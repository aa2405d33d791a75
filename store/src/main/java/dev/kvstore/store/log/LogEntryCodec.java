package dev.kvstore.store.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The one binary form of a log entry, used on disk and on the wire:
 * {@code int bodyLength, int crc32c(body), body = long epoch, long offset, byte op, int keyLength,
 * key, int valueLength, value}. The checksum lets recovery find a torn tail after a crash.
 */
public final class LogEntryCodec {

    public static final int HEADER_BYTES = 8;
    private static final int FIXED_BODY_BYTES = 8 + 8 + 1 + 4 + 4;

    private LogEntryCodec() {
    }

    public static int encodedSize(LogEntry entry) {
        return HEADER_BYTES + FIXED_BODY_BYTES + entry.key().length + entry.value().length;
    }

    public static void encode(LogEntry entry, ByteBuffer out) {
        int start = out.position();
        int bodyLength = FIXED_BODY_BYTES + entry.key().length + entry.value().length;
        out.putInt(bodyLength);
        out.putInt(0); // checksum, filled in below
        int bodyStart = out.position();
        out.putLong(entry.epoch());
        out.putLong(entry.offset());
        out.put(entry.op().code);
        out.putInt(entry.key().length);
        out.put(entry.key());
        out.putInt(entry.value().length);
        out.put(entry.value());
        CRC32C crc = new CRC32C();
        crc.update(out.duplicate().position(bodyStart).limit(out.position()));
        out.putInt(start + 4, (int) crc.getValue());
    }

    public static byte[] encode(LogEntry entry) {
        ByteBuffer buffer = ByteBuffer.allocate(encodedSize(entry));
        encode(entry, buffer);
        return buffer.array();
    }

    /**
     * Reads one entry at the buffer's position and advances past it.
     *
     * @param maxBodyBytes refuse claimed lengths above this before allocating anything
     * @throws CorruptEntryException when the bytes are not one valid entry
     */
    public static LogEntry decode(ByteBuffer in, int maxBodyBytes) {
        if (in.remaining() < HEADER_BYTES) {
            throw new CorruptEntryException("truncated entry header: " + in.remaining() + " bytes");
        }
        int bodyLength = in.getInt();
        int expectedCrc = in.getInt();
        if (bodyLength < FIXED_BODY_BYTES || bodyLength > maxBodyBytes) {
            throw new CorruptEntryException("entry body length " + bodyLength + " outside [" + FIXED_BODY_BYTES
                    + ", " + maxBodyBytes + "]");
        }
        if (in.remaining() < bodyLength) {
            throw new CorruptEntryException("truncated entry body: need " + bodyLength + ", have " + in.remaining());
        }
        ByteBuffer body = in.slice(in.position(), bodyLength);
        in.position(in.position() + bodyLength);
        CRC32C crc = new CRC32C();
        crc.update(body.duplicate());
        if ((int) crc.getValue() != expectedCrc) {
            throw new CorruptEntryException("entry checksum mismatch");
        }
        long epoch = body.getLong();
        long offset = body.getLong();
        byte opCode = body.get();
        LogEntry.Op op;
        try {
            op = LogEntry.Op.of(opCode);
        } catch (IllegalArgumentException e) {
            throw new UnknownEntryKindException(opCode);
        }
        byte[] key = readSized(body, "key");
        byte[] value = readSized(body, "value");
        if (body.hasRemaining()) {
            throw new CorruptEntryException(body.remaining() + " unexpected bytes after the value");
        }
        if (epoch < 0 || offset <= 0) {
            throw new CorruptEntryException("invalid position " + epoch + "/" + offset);
        }
        if (op == LogEntry.Op.BATCH) {
            if (key.length != 0) {
                throw new CorruptEntryException("a batch entry with a key of " + key.length + " bytes");
            }
            BatchCodec.decode(value); // throws when its mutations are malformed
        }
        return new LogEntry(epoch, offset, op, key, value);
    }

    private static byte[] readSized(ByteBuffer body, String what) {
        if (body.remaining() < 4) {
            throw new CorruptEntryException("missing " + what + " length");
        }
        int length = body.getInt();
        if (length < 0 || length > body.remaining()) {
            throw new CorruptEntryException(what + " length " + length + " exceeds the " + body.remaining()
                    + " bytes left");
        }
        byte[] bytes = new byte[length];
        body.get(bytes);
        return bytes;
    }
}
