package dev.kvstore.store.resp;

import dev.kvstore.store.node.Decision;
import java.nio.charset.StandardCharsets;

/**
 * What Redis's read-modify-write string commands decide from a key's current value (null: absent):
 * the write to log and the reply. Pure: the primary runs these under its append lock
 * ({@link dev.kvstore.store.node.StoreNode#decide}), so the log carries the result and every store
 * applies the same value.
 */
final class StringRules {

    static final String OVERFLOW = "ERR increment or decrement would overflow";

    private StringRules() {
    }

    /** SET's conditions: NX (only if absent), XX (only if present), GET (reply with the old value). */
    record SetOptions(boolean onlyIfAbsent, boolean onlyIfPresent, boolean replyOld) {
        static final SetOptions PLAIN = new SetOptions(false, false, false);

        boolean plain() {
            return !onlyIfAbsent && !onlyIfPresent && !replyOld;
        }
    }

    static Decision<CommandHandler.Reply> set(byte[] current, byte[] value, SetOptions options) {
        boolean exists = current != null;
        CommandHandler.Reply reply = options.replyOld() ? out -> out.bulk(current) : RespWriter::ok;
        if ((options.onlyIfAbsent() && exists) || (options.onlyIfPresent() && !exists)) {
            return Decision.none(options.replyOld() ? out -> out.bulk(current) : out -> out.nullValue());
        }
        return Decision.put(value, reply);
    }

    static Decision<CommandHandler.Reply> setIfAbsent(byte[] current, byte[] value) {
        return current != null ? Decision.none(out -> out.integer(0)) : Decision.put(value, out -> out.integer(1));
    }

    static Decision<CommandHandler.Reply> getAndSet(byte[] current, byte[] value) {
        return Decision.put(value, out -> out.bulk(current));
    }

    static Decision<CommandHandler.Reply> getAndDelete(byte[] current) {
        return current == null ? Decision.none(out -> out.nullValue()) : Decision.delete(out -> out.bulk(current));
    }

    static Decision<CommandHandler.Reply> incrementBy(byte[] current, long delta) {
        long value = 0;
        if (current != null) {
            Long parsed = parseInteger(current);
            if (parsed == null) {
                return Decision.none(out -> out.error(Args.NOT_INTEGER));
            }
            value = parsed;
        }
        long result;
        try {
            result = Math.addExact(value, delta);
        } catch (ArithmeticException e) {
            return Decision.none(out -> out.error(OVERFLOW));
        }
        long answer = result;
        return Decision.put(Long.toString(result).getBytes(StandardCharsets.US_ASCII), out -> out.integer(answer));
    }

    static Decision<CommandHandler.Reply> append(byte[] current, byte[] suffix, int maxValueBytes) {
        byte[] base = current == null ? new byte[0] : current;
        long length = (long) base.length + suffix.length;
        if (length > maxValueBytes) {
            return Decision.none(out -> out.error("ERR string exceeds maximum allowed size (kv.max-value-bytes: "
                    + maxValueBytes + " bytes); nothing was stored"));
        }
        byte[] joined = new byte[(int) length];
        System.arraycopy(base, 0, joined, 0, base.length);
        System.arraycopy(suffix, 0, joined, base.length, suffix.length);
        return Decision.put(joined, out -> out.integer(length));
    }

    /**
     * A value as Redis reads it for INCR: a signed 64-bit decimal with no sign but '-', no leading
     * zeros, no spaces; null when it is not one.
     */
    static Long parseInteger(byte[] bytes) {
        int length = bytes.length;
        if (length == 0 || length > 20) {
            return null;
        }
        if (length == 1 && bytes[0] == '0') {
            return 0L;
        }
        int i = bytes[0] == '-' ? 1 : 0;
        if (i == length || bytes[i] < '1' || bytes[i] > '9') {
            return null;
        }
        for (int j = i; j < length; j++) {
            if (bytes[j] < '0' || bytes[j] > '9') {
                return null;
            }
        }
        try {
            return Long.parseLong(new String(bytes, StandardCharsets.US_ASCII));
        } catch (NumberFormatException outOfRange) {
            return null;
        }
    }
}
