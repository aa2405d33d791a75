package dev.kvstore.store.resp;

/**
 * Bounds on what one client may make the store hold before a command runs, all checked before the
 * memory is allocated.
 *
 * @param maxBulkBytes    a bulk string longer than this is skipped unread, and its command refused
 *                        with a clear error; the connection stays usable (the value limit, plus room
 *                        for the framing of the key)
 * @param maxArgs         the most arguments one command may declare
 * @param maxLineBytes    the longest header line or inline command
 * @param maxCommandBytes the most bulk bytes one command may carry in all (one log entry's bound)
 */
public record RespLimits(int maxBulkBytes, int maxArgs, int maxLineBytes, long maxCommandBytes) {

    /**
     * Redis's default proto-max-bulk-len: a longer bulk is not a big value but a broken or hostile
     * client, answered with a protocol error instead of being skipped.
     */
    public static final long PROTOCOL_MAX_BULK = 512L * 1024 * 1024;

    /** Before a client authenticates: the most arguments of a command (Redis 6.2's bound, enough for HELLO 3 AUTH u p SETNAME n). */
    public static final int UNAUTHENTICATED_MAX_ARGS = 10;

    /** Before a client authenticates: the longest bulk string (Redis 6.2's bound). */
    public static final int UNAUTHENTICATED_MAX_BULK = 16 * 1024;

    /** Redis's own inline limit (PROTO_INLINE_MAX_SIZE). */
    public static final int INLINE_MAX = 64 * 1024;

    public static RespLimits of(int maxValueBytes, long maxCommandBytes) {
        return new RespLimits(maxValueBytes, 1024 * 1024, INLINE_MAX, maxCommandBytes);
    }
}
