package dev.kvstore.store.snapshot;

import java.util.Map;

/**
 * The pairs a snapshot holds, as they are walked when it is written. The store hands over references
 * to its own keys and values (they are never changed in place), not a copy of the data.
 */
public interface SnapshotData {

    /** Receives the pairs of a snapshot one at a time, then the expiries of the keys that have one. */
    @FunctionalInterface
    interface Sink {
        void accept(String key, byte[] value);

        default void expiry(String key, long atMillis) {
        }
    }

    /** Receives each pair as slices: the key's UTF-8 bytes and the value's bytes, in arrays the store owns. */
    @FunctionalInterface
    interface EncodedSink {
        void accept(byte[] key, int keyOffset, int keyLength, byte[] value, int valueOffset, int valueLength)
                throws java.io.IOException;
    }

    long size();

    void forEach(Sink sink);

    /** The pairs as bytes, for writing: no key decoded, no value copied where the store keeps them so. */
    default void forEachEncoded(EncodedSink sink) throws java.io.IOException {
        try {
            forEach((key, value) -> {
                byte[] keyBytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                try {
                    sink.accept(keyBytes, 0, keyBytes.length, value, 0, value.length);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The keys that carry an expiry, and when (Unix milliseconds). A copy: writers use {@link #forEachExpiry}. */
    default Map<String, Long> expiries() {
        return Map.of();
    }

    /** Receives a key with an expiry: its UTF-8 bytes (a slice) and when it expires. */
    @FunctionalInterface
    interface ExpirySink {
        void accept(byte[] key, int keyOffset, int keyLength, long atMillis) throws java.io.IOException;
    }

    /** How many keys carry an expiry. */
    default long expiringCount() {
        return expiries().size();
    }

    /** The keys that carry an expiry, one at a time, for writing: no map of them is made where the store avoids it. */
    default void forEachExpiry(ExpirySink sink) throws java.io.IOException {
        for (Map.Entry<String, Long> expiry : expiries().entrySet()) {
            byte[] key = expiry.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            sink.accept(key, 0, key.length, expiry.getValue());
        }
    }

    /** About how many bytes the pairs take in a snapshot file (ASCII keys counted exactly). */
    default long encodedBytes() {
        long[] bytes = {0};
        forEach((key, value) -> bytes[0] += 8 + key.length() + value.length);
        return bytes[0];
    }

    /** Parallel arrays of keys and values, and the expiries of the keys that have one. */
    static SnapshotData of(String[] keys, byte[][] values, Map<String, Long> expiries) {
        SnapshotData pairs = of(keys, values);
        return new SnapshotData() {
            @Override
            public long size() {
                return pairs.size();
            }

            @Override
            public void forEach(Sink sink) {
                pairs.forEach(sink);
            }

            @Override
            public Map<String, Long> expiries() {
                return expiries;
            }
        };
    }

    /** Parallel arrays of keys and values: about 8 bytes per pair beside the data they point to. */
    static SnapshotData of(String[] keys, byte[][] values) {
        if (keys.length != values.length) {
            throw new IllegalArgumentException(keys.length + " keys, " + values.length + " values");
        }
        return new SnapshotData() {
            @Override
            public long size() {
                return keys.length;
            }

            @Override
            public void forEach(Sink sink) {
                for (int i = 0; i < keys.length; i++) {
                    sink.accept(keys[i], values[i]);
                }
            }
        };
    }

    static SnapshotData of(Map<String, byte[]> map) {
        return new SnapshotData() {
            @Override
            public long size() {
                return map.size();
            }

            @Override
            public void forEach(Sink sink) {
                map.forEach(sink::accept);
            }
        };
    }
}
