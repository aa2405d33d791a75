package dev.kvstore.store.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The value of a {@link LogEntry.Op#BATCH} entry: the mutations that one command or transaction made,
 * applied all together or not at all ({@code int count}, then per mutation {@code byte kind} (1 put,
 * 2 delete, 3 put with a time to live), {@code int keyLength, key}, for a put {@code int valueLength,
 * value}, and for the third kind {@code long expiresAtMillis}). The entry's
 * checksum covers it; decoding still checks every length, so a bug cannot read past the entry.
 */
public final class BatchCodec {

    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte PUT_EXPIRING = 3;

    private BatchCodec() {
    }

    public static int encodedSize(List<Mutation> mutations) {
        int size = 4;
        for (Mutation mutation : mutations) {
            size += 1 + 4 + mutation.keyBytes().length + (mutation.deletes() ? 0 : 4 + mutation.value().length)
                    + (mutation.expires() ? 8 : 0);
        }
        return size;
    }

    public static byte[] encode(List<Mutation> mutations) {
        ByteBuffer out = ByteBuffer.allocate(encodedSize(mutations));
        out.putInt(mutations.size());
        for (Mutation mutation : mutations) {
            byte[] key = mutation.keyBytes();
            out.put(mutation.deletes() ? DELETE : mutation.expires() ? PUT_EXPIRING : PUT);
            out.putInt(key.length);
            out.put(key);
            if (!mutation.deletes()) {
                out.putInt(mutation.value().length);
                out.put(mutation.value());
            }
            if (mutation.expires()) {
                out.putLong(mutation.expiresAtMillis());
            }
        }
        return out.array();
    }

    /** @throws CorruptEntryException when the bytes are not a well-formed list of mutations */
    public static List<Mutation> decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int count = readLength(in, "mutation count");
        // every mutation takes at least 5 bytes: a bound before allocating
        if (count > in.remaining() / 5) {
            throw new CorruptEntryException("batch of " + count + " mutations in " + bytes.length + " bytes");
        }
        List<Mutation> mutations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (!in.hasRemaining()) {
                throw new CorruptEntryException("batch ends before mutation " + i);
            }
            byte kind = in.get();
            if (kind != PUT && kind != DELETE && kind != PUT_EXPIRING) {
                throw new UnknownEntryKindException("batch mutation of kind " + kind);
            }
            String key = new String(readBytes(in, "key"), StandardCharsets.UTF_8);
            if (kind == DELETE) {
                mutations.add(Mutation.delete(key));
            } else if (kind == PUT) {
                mutations.add(Mutation.put(key, readBytes(in, "value")));
            } else {
                byte[] value = readBytes(in, "value");
                if (in.remaining() < 8) {
                    throw new CorruptEntryException("batch ends inside an expiry");
                }
                long expiresAt = in.getLong();
                if (expiresAt <= 0) {
                    throw new CorruptEntryException("expiry " + expiresAt);
                }
                mutations.add(Mutation.put(key, value, expiresAt));
            }
        }
        if (in.hasRemaining()) {
            throw new CorruptEntryException(in.remaining() + " unexpected bytes after the batch's mutations");
        }
        return mutations;
    }

    private static int readLength(ByteBuffer in, String what) {
        if (in.remaining() < 4) {
            throw new CorruptEntryException("missing " + what);
        }
        int length = in.getInt();
        if (length < 0) {
            throw new CorruptEntryException("negative " + what + " " + length);
        }
        return length;
    }

    private static byte[] readBytes(ByteBuffer in, String what) {
        int length = readLength(in, what + " length");
        if (length > in.remaining()) {
            throw new CorruptEntryException(what + " length " + length + " exceeds the " + in.remaining() + " bytes left");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }
}
