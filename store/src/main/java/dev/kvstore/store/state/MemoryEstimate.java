package dev.kvstore.store.state;

/**
 * What one key costs on the heap in the map, estimated from its sizes: the key's and the value's
 * bytes plus a fixed overhead for the objects around them (on a 64-bit JVM with compressed
 * references: the hash map's node 32 bytes, the String 24, two array headers 16 each, a table slot
 * about 8, alignment; and room for the node a snapshot's copy of the map makes meanwhile).
 */
public final class MemoryEstimate {

    public static final int ENTRY_OVERHEAD_BYTES = 140;

    private MemoryEstimate() {
    }

    /** Heap bytes of one entry; 0 for an absent one. */
    public static long of(String key, byte[] value) {
        return value == null ? 0 : ENTRY_OVERHEAD_BYTES + key.length() + value.length;
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
