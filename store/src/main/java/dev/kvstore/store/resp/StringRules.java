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

    /** How a command gave a time to live: relative (EX seconds, PX milliseconds) or absolute (EXAT, PXAT). */
    enum ExpiryUnit { EX, PX, EXAT, PXAT }

    /** A time to live as given; {@link #at} makes it the absolute time the primary logs. */
    record Expiry(ExpiryUnit unit, long amount) {

        /** Unix milliseconds at which the key expires, deciding at {@code nowMillis}; null when it overflows. */
        Long at(long nowMillis) {
            try {
                return switch (unit) {
                    case EX -> Math.addExact(nowMillis, Math.multiplyExact(amount, 1000L));
                    case PX -> Math.addExact(nowMillis, amount);
                    case EXAT -> Math.multiplyExact(amount, 1000L);
                    case PXAT -> amount;
                };
            } catch (ArithmeticException e) {
                return null;
            }
        }
    }

    /**
     * SET's conditions: NX (only if absent), XX (only if present), GET (reply with the old value), and
     * what becomes of the time to live: KEEPTTL keeps it, an expiry replaces it, else it goes.
     */
    record SetOptions(boolean onlyIfAbsent, boolean onlyIfPresent, boolean replyOld, boolean keepTtl, Expiry expiry) {
        static final SetOptions PLAIN = new SetOptions(false, false, false, false, null);

        boolean plain() {
            return !onlyIfAbsent && !onlyIfPresent && !replyOld && !keepTtl && expiry == null;
        }
    }

    static Decision<CommandHandler.Reply> set(byte[] current, byte[] value, SetOptions options, long nowMillis) {
        boolean exists = current != null;
        CommandHandler.Reply reply = options.replyOld() ? out -> out.bulk(current) : RespWriter::ok;
        if ((options.onlyIfAbsent() && exists) || (options.onlyIfPresent() && !exists)) {
            return Decision.none(options.replyOld() ? out -> out.bulk(current) : out -> out.nullValue());
        }
        if (options.keepTtl()) {
            return Decision.putKeepingTtl(value, reply);
        }
        if (options.expiry() != null) {
            Long at = options.expiry().at(nowMillis);
            if (at == null || at <= 0) {
                return Decision.none(out -> out.error("ERR invalid expire time in 'set' command"));
            }
            return Decision.put(value, at, reply);
        }
        return Decision.put(value, reply);
    }

    /** The reply of TTL (seconds, rounded as Redis rounds) or PTTL: -2 absent, -1 no time to live. */
    static long timeToLive(byte[] current, long expiresAtMillis, long nowMillis, boolean inMillis) {
        if (current == null) {
            return -2;
        }
        if (expiresAtMillis == 0) {
            return -1;
        }
        long left = Math.max(0, expiresAtMillis - nowMillis);
        return inMillis ? left : (left + 500) / 1000;
    }

    /**
     * EXPIRE's conditions on the time the key has ({@code current}, 0: none, which counts as
     * infinite): NX none yet, XX one already, GT later than it, LT earlier than it.
     */
    static boolean expiryConditionHolds(String condition, long current, long next) {
        return switch (condition) {
            case "" -> true;
            case "NX" -> current == 0;
            case "XX" -> current != 0;
            case "GT" -> current != 0 && next > current;
            case "LT" -> current == 0 || next < current;
            default -> throw new IllegalArgumentException(condition);
        };
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
        // the key's time to live stays, as in Redis
        return Decision.putKeepingTtl(Long.toString(result).getBytes(StandardCharsets.US_ASCII), out -> out.integer(answer));
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
        return Decision.putKeepingTtl(joined, out -> out.integer(length));
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
