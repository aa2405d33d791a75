package dev.kvstore.store.state;

/**
 * What one key costs on the heap in the map, estimated from its sizes: the key's and the value's
 * bytes plus a fixed overhead around them (on a 64-bit JVM with compressed references: the record's
 * array header 16 and its own 8 bytes ({@link KeyRecord}), up to 7 of alignment, its table slot, 4
 * bytes at most 3/4 full and at least 3/8, so up to 11, and 4 for the reference a snapshot's frozen
 * copy holds meanwhile).
 */
public final class MemoryEstimate {

    public static final int ENTRY_OVERHEAD_BYTES = 48;

    private MemoryEstimate() {
    }

    /** Heap bytes of one entry; 0 for an absent one. */
    public static long of(String key, byte[] value) {
        return value == null ? 0 : ENTRY_OVERHEAD_BYTES + utf8Length(key) + value.length;
    }

    /**
     * The most that putting a value of {@code valueBytes} at {@code key} (the bytes the log holds) can add,
     * whatever the key holds now: what it costs as a new key without expiry. Exactly that for an ASCII key;
     * any other byte counts 3 (bytes that are no valid UTF-8 become U+FFFD in the key's String, 3 bytes each
     * in the map).
     */
    public static long growthBound(byte[] key, int valueBytes) {
        long keyBytes = 0;
        for (byte b : key) {
            keyBytes += b >= 0 ? 1 : 3;
        }
        return ENTRY_OVERHEAD_BYTES + keyBytes + valueBytes;
    }

    /** How many bytes the key takes in UTF-8, as the map keeps it (a char can take up to 3). */
    static int utf8Length(String key) {
        int bytes = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** Parses a size such as {@code 67108864}, {@code 64m}, {@code 1g} or {@code 512k}. */
    public static long parseBytes(String text) {
        String trimmed = text.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        char last = trimmed.isEmpty() ? ' ' : trimmed.charAt(trimmed.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        String digits = unit == 1 ? trimmed : trimmed.substring(0, trimmed.length() - 1);
        try {
            long value = Long.parseLong(digits.trim());
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(value, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (bytes, or a number with k, m or g)");
        }
    }
}
