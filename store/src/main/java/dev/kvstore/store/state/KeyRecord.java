package dev.kvstore.store.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One key of the map in a single array, never changed once made: its hash ({@link String#hashCode()}
 * of the key: SCAN's order, not the table's slot), its key's length in UTF-8 bytes (the top bit set when an expiry follows the key), the
 * key's bytes, the expiry (Unix milliseconds) when there is one, and the value's bytes to the end.
 *
 * <p>Why one array: a {@code ConcurrentHashMap<String, byte[]>} spends about 120 bytes of objects
 * around each key (the map's node, the {@code String}, two array headers); a record spends its array
 * header and 8 bytes of its own. With 100-byte values that is most of the difference between this
 * store's memory per key and Redis's.
 */
final class KeyRecord {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int EXPIRES_BIT = 0x8000_0000;
    static final int HEADER_BYTES = 8;
    static final int EXPIRY_BYTES = 8;

    private KeyRecord() {
    }

    /** A record of {@code key} holding {@code value}, expiring at {@code expiresAtMillis} (0: never). */
    static byte[] of(String key, long expiresAtMillis, byte[] value) {
        return of(key, key.getBytes(StandardCharsets.UTF_8), expiresAtMillis, value);
    }

    /** The same, with the key's UTF-8 bytes already at hand. */
    static byte[] of(String key, byte[] keyBytes, long expiresAtMillis, byte[] value) {
        return of(key.hashCode(), keyBytes, expiresAtMillis, value);
    }

    /**
     * A record of a key known by its bytes alone, all ASCII ({@link #isAscii}): no {@code String} made for its
     * hash, which for ASCII is the same sum over the bytes as over the characters.
     */
    static byte[] ofAscii(byte[] asciiKey, long expiresAtMillis, byte[] value) {
        return of(asciiHash(asciiKey), asciiKey, expiresAtMillis, value);
    }

    /** Whether every byte is ASCII: then the bytes are their own UTF-8 encoding, and decode to as many characters. */
    static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link String#hashCode()} of the key whose ASCII bytes these are. */
    static int asciiHash(byte[] ascii) {
        int hash = 0;
        for (byte b : ascii) {
            hash = 31 * hash + b;
        }
        return hash;
    }

    private static byte[] of(int hash, byte[] keyBytes, long expiresAtMillis, byte[] value) {
        int expiryBytes = expiresAtMillis != 0 ? EXPIRY_BYTES : 0;
        byte[] record = new byte[HEADER_BYTES + keyBytes.length + expiryBytes + value.length];
        INT.set(record, 0, hash);
        INT.set(record, 4, keyBytes.length | (expiryBytes != 0 ? EXPIRES_BIT : 0));
        System.arraycopy(keyBytes, 0, record, HEADER_BYTES, keyBytes.length);
        if (expiryBytes != 0) {
            LONG.set(record, HEADER_BYTES + keyBytes.length, expiresAtMillis);
        }
        System.arraycopy(value, 0, record, HEADER_BYTES + keyBytes.length + expiryBytes, value.length);
        return record;
    }

    /** The same key and value with another expiry (0: none). */
    static byte[] withExpiry(byte[] record, long expiresAtMillis) {
        int keyLength = keyLength(record);
        int valueOffset = valueOffset(record);
        int expiryBytes = expiresAtMillis != 0 ? EXPIRY_BYTES : 0;
        byte[] changed = new byte[HEADER_BYTES + keyLength + expiryBytes + record.length - valueOffset];
        System.arraycopy(record, 0, changed, 0, HEADER_BYTES + keyLength);
        INT.set(changed, 4, keyLength | (expiryBytes != 0 ? EXPIRES_BIT : 0));
        if (expiryBytes != 0) {
            LONG.set(changed, HEADER_BYTES + keyLength, expiresAtMillis);
        }
        System.arraycopy(record, valueOffset, changed, HEADER_BYTES + keyLength + expiryBytes, record.length - valueOffset);
        return changed;
    }

    static int hash(byte[] record) {
        return (int) INT.get(record, 0);
    }

    static int keyLength(byte[] record) {
        return (int) INT.get(record, 4) & ~EXPIRES_BIT;
    }

    /** When the key expires, 0 when it does not. */
    static long expiresAtMillis(byte[] record) {
        return ((int) INT.get(record, 4) & EXPIRES_BIT) != 0 ? (long) LONG.get(record, HEADER_BYTES + keyLength(record)) : 0;
    }

    static int valueOffset(byte[] record) {
        int afterKey = HEADER_BYTES + keyLength(record);
        return ((int) INT.get(record, 4) & EXPIRES_BIT) != 0 ? afterKey + EXPIRY_BYTES : afterKey;
    }

    static int valueLength(byte[] record) {
        return record.length - valueOffset(record);
    }

    /** A copy of the value: the record itself is shared by readers and never handed out. */
    static byte[] value(byte[] record) {
        return Arrays.copyOfRange(record, valueOffset(record), record.length);
    }

    static String key(byte[] record) {
        return new String(record, HEADER_BYTES, keyLength(record), StandardCharsets.UTF_8);
    }

    /** Whether the record is the key whose UTF-8 bytes are {@code keyBytes}. */
    static boolean isKey(byte[] record, byte[] keyBytes) {
        int length = keyLength(record);
        return length == keyBytes.length
                && Arrays.equals(record, HEADER_BYTES, HEADER_BYTES + length, keyBytes, 0, length);
    }

    /** Orders records by expiry, then by key bytes: the order the expirer reads them in; one place per key and time. */
    static int compareByExpiry(byte[] a, byte[] b) {
        int byTime = Long.compare(expiresAtMillis(a), expiresAtMillis(b));
        if (byTime != 0) {
            return byTime;
        }
        return Arrays.compareUnsigned(a, HEADER_BYTES, HEADER_BYTES + keyLength(a), b, HEADER_BYTES, HEADER_BYTES + keyLength(b));
    }
}
