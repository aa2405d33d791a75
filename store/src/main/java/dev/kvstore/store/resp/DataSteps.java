package dev.kvstore.store.resp;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The commands that may run inside MULTI/EXEC, each as a {@link DataStep}: the string commands, reads
 * and writes alike, decided with the same rules ({@link StringRules}) as outside a transaction.
 */
final class DataSteps {

    private static final CommandHandler.Reply OK = RespWriter::ok;

    private final int maxKeyBytes;
    private final int maxValueBytes;
    private final Map<String, DataStep> byName = new TreeMap<>();

    DataSteps(int maxKeyBytes, int maxValueBytes) {
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
        byName.put("get", (keys, a) -> bulk(keys.get(key(a, 1))));
        byName.put("mget", this::mget);
        byName.put("exists", this::exists);
        byName.put("strlen", (keys, a) -> {
            byte[] value = keys.get(key(a, 1));
            return integer(value == null ? 0 : value.length);
        });
        byName.put("type", (keys, a) -> {
            boolean present = keys.get(key(a, 1)) != null;
            return out -> out.simple(present ? "string" : "none");
        });
        byName.put("set", this::set);
        byName.put("setnx", (keys, a) -> keys.apply(key(a, 1), StringRules.setIfAbsent(keys.get(key(a, 1)), a.get(2))));
        byName.put("getset", (keys, a) -> keys.apply(key(a, 1), StringRules.getAndSet(keys.get(key(a, 1)), a.get(2))));
        byName.put("getdel", (keys, a) -> keys.apply(key(a, 1), StringRules.getAndDelete(keys.get(key(a, 1)))));
        byName.put("incr", (keys, a) -> incrementBy(keys, a, 1));
        byName.put("decr", (keys, a) -> incrementBy(keys, a, -1));
        byName.put("incrby", (keys, a) -> incrementBy(keys, a, Args.integer(a, 2)));
        byName.put("decrby", (keys, a) -> {
            long delta = Args.integer(a, 2);
            if (delta == Long.MIN_VALUE) {
                throw new Args.Invalid("ERR decrement would overflow");
            }
            return incrementBy(keys, a, -delta);
        });
        byName.put("append", (keys, a) -> keys.apply(key(a, 1),
                StringRules.append(keys.get(key(a, 1)), a.get(2), maxValueBytes)));
        byName.put("del", this::delete);
        byName.put("unlink", this::delete);
        byName.put("mset", this::mset);
        byName.put("msetnx", this::msetIfNoneExist);
        byName.put("setex", (keys, a) -> setWithExpiry(keys, a, StringRules.ExpiryUnit.EX));
        byName.put("psetex", (keys, a) -> setWithExpiry(keys, a, StringRules.ExpiryUnit.PX));
        byName.put("getex", this::getex);
        byName.put("expire", (keys, a) -> expire(keys, a, StringRules.ExpiryUnit.EX));
        byName.put("pexpire", (keys, a) -> expire(keys, a, StringRules.ExpiryUnit.PX));
        byName.put("expireat", (keys, a) -> expire(keys, a, StringRules.ExpiryUnit.EXAT));
        byName.put("pexpireat", (keys, a) -> expire(keys, a, StringRules.ExpiryUnit.PXAT));
        byName.put("persist", this::persist);
        byName.put("ttl", (keys, a) -> timeToLive(keys, a, false));
        byName.put("pttl", (keys, a) -> timeToLive(keys, a, true));
        byName.put("expiretime", (keys, a) -> expireTime(keys, a, false));
        byName.put("pexpiretime", (keys, a) -> expireTime(keys, a, true));
        byName.put("ping", (keys, a) -> a.size() > 1 ? bulk(a.get(1)) : out -> out.simple("PONG"));
        byName.put("echo", (keys, a) -> bulk(a.get(1)));
        // queued and answered OK, as in Redis; EXEC forgets the watched keys anyway
        byName.put("unwatch", (keys, a) -> OK);
    }

    DataStep find(String name) {
        return byName.get(name);
    }

    private String key(List<byte[]> args, int index) {
        return Args.key(args, index, maxKeyBytes);
    }

    private CommandHandler.Reply set(WriteCollector keys, List<byte[]> args) {
        String key = key(args, 1);
        StringRules.SetOptions options = StringCommands.setOptions(args);
        if (options.plain()) {
            keys.put(key, args.get(2));
            return OK;
        }
        return keys.apply(key, StringRules.set(keys.get(key), args.get(2), options, keys.nowMillis()));
    }

    /** SETEX key seconds value, PSETEX key milliseconds value. */
    private CommandHandler.Reply setWithExpiry(WriteCollector keys, List<byte[]> args, StringRules.ExpiryUnit unit) {
        String key = key(args, 1);
        long amount = Args.integer(args, 2);
        Long at = amount > 0 ? new StringRules.Expiry(unit, amount).at(keys.nowMillis()) : null;
        if (at == null) {
            throw new Args.Invalid("ERR invalid expire time in '" + CommandTable.lowerAscii(args.get(0)) + "' command");
        }
        keys.put(key, args.get(3), at);
        return OK;
    }

    /** GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: the value, and its time to live changed. */
    private CommandHandler.Reply getex(WriteCollector keys, List<byte[]> args) {
        String key = key(args, 1);
        Long at = null; // null: unchanged; 0: persist
        if (args.size() == 3 && Args.upper(args, 2).equals("PERSIST")) {
            at = 0L;
        } else if (args.size() == 4) {
            StringRules.ExpiryUnit unit;
            try {
                unit = StringRules.ExpiryUnit.valueOf(Args.upper(args, 2));
            } catch (IllegalArgumentException e) {
                throw new Args.Invalid(Args.SYNTAX);
            }
            long amount = Args.integer(args, 3);
            at = amount > 0 ? new StringRules.Expiry(unit, amount).at(keys.nowMillis()) : null;
            if (at == null) {
                throw new Args.Invalid("ERR invalid expire time in 'getex' command");
            }
        } else if (args.size() != 2) {
            throw new Args.Invalid(Args.SYNTAX);
        }
        byte[] current = keys.get(key);
        if (current != null && at != null && at != keys.expiresAtMillis(key)) {
            keys.put(key, current, at);
        }
        return bulk(current);
    }

    /**
     * EXPIRE key time [NX|XX|GT|LT] and its kin: 1 when the time was set, 0 when the key is absent or
     * the condition does not hold. A time already past deletes the key, as in Redis.
     */
    private CommandHandler.Reply expire(WriteCollector keys, List<byte[]> args, StringRules.ExpiryUnit unit) {
        String key = key(args, 1);
        long amount = Args.integer(args, 2);
        String condition = "";
        for (int i = 3; i < args.size(); i++) {
            String option = Args.upper(args, i);
            if (!List.of("NX", "XX", "GT", "LT").contains(option)) {
                throw new Args.Invalid("ERR Unsupported option " + Args.text(args, i));
            }
            if (!condition.isEmpty() && !condition.equals(option)) {
                throw new Args.Invalid("ERR NX and XX, GT or LT options at the same time are not compatible");
            }
            condition = option;
        }
        Long at = new StringRules.Expiry(unit, amount).at(keys.nowMillis());
        if (at == null) {
            throw new Args.Invalid("ERR invalid expire time in '" + CommandTable.lowerAscii(args.get(0)) + "' command");
        }
        byte[] current = keys.get(key);
        if (current == null || !StringRules.expiryConditionHolds(condition, keys.expiresAtMillis(key), at)) {
            return integer(0);
        }
        if (at <= keys.nowMillis()) {
            keys.delete(key);
        } else {
            keys.put(key, current, at);
        }
        return integer(1);
    }

    /** PERSIST key: 1 when a time to live was removed. */
    private CommandHandler.Reply persist(WriteCollector keys, List<byte[]> args) {
        String key = key(args, 1);
        byte[] current = keys.get(key);
        if (current == null || keys.expiresAtMillis(key) == 0) {
            return integer(0);
        }
        keys.put(key, current, 0);
        return integer(1);
    }

    private CommandHandler.Reply timeToLive(WriteCollector keys, List<byte[]> args, boolean inMillis) {
        String key = key(args, 1);
        return integer(StringRules.timeToLive(keys.get(key), keys.expiresAtMillis(key), keys.nowMillis(), inMillis));
    }

    /** EXPIRETIME / PEXPIRETIME: the absolute time, -1 without one, -2 when absent. */
    private CommandHandler.Reply expireTime(WriteCollector keys, List<byte[]> args, boolean inMillis) {
        String key = key(args, 1);
        if (keys.get(key) == null) {
            return integer(-2);
        }
        long at = keys.expiresAtMillis(key);
        return integer(at == 0 ? -1 : inMillis ? at : at / 1000);
    }

    private CommandHandler.Reply incrementBy(WriteCollector keys, List<byte[]> args, long delta) {
        String key = key(args, 1);
        return keys.apply(key, StringRules.incrementBy(keys.get(key), delta));
    }

    /** DEL and UNLINK: deletes the keys that exist, answers how many did. */
    CommandHandler.Reply delete(WriteCollector keys, List<byte[]> args) {
        List<String> named = keys(args, 1, 1); // all checked before any is deleted
        long existed = 0;
        for (String key : named) {
            if (keys.get(key) != null) {
                keys.delete(key);
                existed++;
            }
        }
        return integer(existed);
    }

    CommandHandler.Reply mset(WriteCollector keys, List<byte[]> args) {
        checkPairs(args);
        List<String> named = keys(args, 1, 2); // all checked before any is set
        for (int i = 0; i < named.size(); i++) {
            keys.put(named.get(i), args.get(2 + 2 * i));
        }
        return OK;
    }

    private List<String> keys(List<byte[]> args, int first, int step) {
        List<String> keys = new java.util.ArrayList<>();
        for (int i = first; i < args.size(); i += step) {
            keys.add(key(args, i));
        }
        return keys;
    }

    /** MSETNX: all the keys are set when none of them exists, else none is; answers 1 or 0. */
    CommandHandler.Reply msetIfNoneExist(WriteCollector keys, List<byte[]> args) {
        checkPairs(args);
        for (int i = 1; i < args.size(); i += 2) {
            if (keys.get(key(args, i)) != null) {
                return integer(0);
            }
        }
        mset(keys, args);
        return integer(1);
    }

    private static void checkPairs(List<byte[]> args) {
        if (args.size() < 3 || args.size() % 2 == 0) {
            throw new Args.Invalid(CommandTable.wrongArity(CommandTable.lowerAscii(args.get(0))));
        }
    }

    private CommandHandler.Reply mget(WriteCollector keys, List<byte[]> args) {
        byte[][] values = new byte[args.size() - 1][];
        for (int i = 1; i < args.size(); i++) {
            values[i - 1] = keys.get(key(args, i));
        }
        return out -> {
            out.array(values.length);
            for (byte[] value : values) {
                out.bulk(value);
            }
        };
    }

    private CommandHandler.Reply exists(WriteCollector keys, List<byte[]> args) {
        long found = 0;
        for (int i = 1; i < args.size(); i++) {
            if (keys.get(key(args, i)) != null) {
                found++;
            }
        }
        return integer(found);
    }

    private static CommandHandler.Reply bulk(byte[] value) {
        return out -> out.bulk(value);
    }

    private static CommandHandler.Reply integer(long value) {
        return out -> out.integer(value);
    }
}
