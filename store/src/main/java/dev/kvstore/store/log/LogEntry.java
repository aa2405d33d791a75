package dev.kvstore.store.log;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One entry of the replicated log. {@code epoch} is the term of the primary that wrote it; a
 * primary starts each term with a {@link Op#NOOP} so that the term's first offset is on record.
 */
public record LogEntry(long epoch, long offset, Op op, byte[] key, byte[] value) {

    public enum Op {
        PUT(1), DELETE(2), NOOP(3),
        /** Several keys' changes, all or none ({@link BatchCodec}); needs {@link LogFormat#BATCHES}. */
        BATCH(4);

        public final byte code;

        Op(int code) {
            this.code = (byte) code;
        }

        /** {@code values()} makes a new array at each call: once per decoded entry (each one a primary streams or a secondary receives) showed in profiles */
        private static final Op[] ALL = values();

        public static Op of(byte code) {
            for (Op op : ALL) {
                if (op.code == code) {
                    return op;
                }
            }
            throw new IllegalArgumentException("unknown operation code " + code);
        }
    }

    private static final byte[] NONE = new byte[0];

    public LogEntry {
        key = key == null ? NONE : key;
        value = value == null ? NONE : value;
    }

    public static LogEntry put(long epoch, long offset, String key, byte[] value) {
        return new LogEntry(epoch, offset, Op.PUT, key.getBytes(StandardCharsets.UTF_8), value);
    }

    public static LogEntry delete(long epoch, long offset, String key) {
        return new LogEntry(epoch, offset, Op.DELETE, key.getBytes(StandardCharsets.UTF_8), null);
    }

    public static LogEntry batch(long epoch, long offset, List<Mutation> mutations) {
        return new LogEntry(epoch, offset, Op.BATCH, null, BatchCodec.encode(mutations));
    }

    /**
     * Whether this entry changes exactly one key, the one {@link #key()} names (a PUT or DELETE): readers on hot
     * paths take it from there instead of making the list of {@link #mutations()}.
     */
    public boolean changesOneKey() {
        return op == Op.PUT || op == Op.DELETE;
    }

    /** The key changes this entry makes, in order: one for a PUT or DELETE, none for a NOOP. */
    public List<Mutation> mutations() {
        return switch (op) {
            case PUT -> List.of(Mutation.put(keyString(), value));
            case DELETE -> List.of(Mutation.delete(keyString()));
            case NOOP -> List.of();
            case BATCH -> BatchCodec.decode(value);
        };
    }

    public static LogEntry noop(long epoch, long offset) {
        return new LogEntry(epoch, offset, Op.NOOP, null, null);
    }

    /**
     * A time mark: a NOOP whose value is the primary's wall-clock time in milliseconds (8 bytes, big-endian).
     * Every release reads a NOOP with a value as a NOOP, so marks need no newer log format. The primary writes
     * one before the first entry of each millisecond it writes in, so every entry after a mark and before the
     * next was appended in the mark's millisecond: what a restore to a point in time cuts at.
     */
    public static LogEntry timeMark(long epoch, long offset, long millis) {
        return new LogEntry(epoch, offset, Op.NOOP, null, java.nio.ByteBuffer.allocate(Long.BYTES).putLong(millis).array());
    }

    /** The time a mark carries, or -1 when this entry is no time mark. */
    public long markedMillis() {
        return op == Op.NOOP && value.length == Long.BYTES ? java.nio.ByteBuffer.wrap(value).getLong() : -1;
    }

    public LogEntry at(long newOffset) {
        return new LogEntry(epoch, newOffset, op, key, value);
    }

    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return op + "@" + epoch + "/" + offset + (op == Op.NOOP || op == Op.BATCH ? "" : "[" + keyString() + "]");
    }
}
