package dev.kvstore.store.log;

import java.nio.ByteBuffer;

/**
 * The log's bytes appended since its last write to the file, encoded in place in one array that is
 * reused from write to write. A new array per flush (64 KiB or more, about a thousand a second under
 * load) was a fifth of everything the primary allocated, and its young collections paused the event
 * loops. Not thread-safe: the log's lock guards it.
 */
final class AppendBuffer {

    static final int USUAL_BYTES = 64 * 1024;
    /** An array grown past this by a burst (a large MSET, a transaction) is dropped once written, not kept. */
    private static final int KEPT_BYTES = 1024 * 1024;

    private byte[] bytes = new byte[USUAL_BYTES];
    /**
     * Views over {@link #bytes}, moved for each append and each read of what was just appended instead of made
     * anew: two buffer objects per write were a twentieth of what a primary allocated under pipelined writes.
     */
    private ByteBuffer room = ByteBuffer.wrap(bytes);
    private ByteBuffer appended = ByteBuffer.wrap(bytes);
    private int size;

    /**
     * Appends {@code length} bytes that {@code fill} writes into the room it is handed (positioned at its start,
     * limited to it). They count as appended only once {@code fill} returned: one that throws leaves nothing
     * behind, not a hole of stale bytes that the next flush would write into the file.
     */
    void append(int length, java.util.function.Consumer<ByteBuffer> fill) {
        if (length > bytes.length - size) {
            grow(length);
        }
        room.limit(size + length).position(size);
        fill.accept(room);
        if (room.hasRemaining()) { // an encoder whose size and bytes disagree: never leave a gap in the log
            throw new IllegalStateException("filled " + (length - room.remaining()) + " of " + length + " bytes");
        }
        size += length;
    }

    private void grow(int length) {
        long needed = (long) size + length;
        if (needed > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("the log's unwritten bytes would exceed 2 GiB");
        }
        int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(needed, 2L * bytes.length));
        use(java.util.Arrays.copyOf(bytes, capacity));
    }

    private void use(byte[] array) {
        bytes = array;
        room = ByteBuffer.wrap(array);
        appended = ByteBuffer.wrap(array);
    }

    int size() {
        return size;
    }

    int capacity() {
        return bytes.length;
    }

    /** What was appended, as a buffer over the array itself: valid until the next {@link #clear}. */
    ByteBuffer contents() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    /**
     * The last {@code length} bytes appended, as a buffer over the array itself: valid until the next append or
     * {@link #clear}, and the same buffer object each time (read it at once).
     */
    ByteBuffer last(int length) {
        return appended.limit(size).position(size - length);
    }

    void clear() {
        size = 0;
        if (bytes.length > KEPT_BYTES) {
            use(new byte[USUAL_BYTES]);
        }
    }
}
