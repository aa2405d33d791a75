package dev.kvstore.store.resp;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.node.ReadResult;
import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.node.WriteResult;
import dev.kvstore.store.state.KvState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The data commands on strings, over the same node calls as HTTP: a write goes through
 * {@link StoreNode#write} and is answered when it is committed (in sync mode: on
 * {@code minSyncReplicas} secondaries' disks), a read through {@link StoreNode#read}.
 */
final class StringCommands {

    private static final Set<String> WRITE = Set.of("write", "denyoom");
    private static final Set<String> WRITE_FREES = Set.of("write");
    private static final Set<String> WRITE_FAST = Set.of("write", "fast");
    private static final Set<String> WRITE_AFTER_READ = Set.of("write", Command.READS_OWN_WRITES);
    private static final Set<String> READ = Set.of("readonly", "fast");
    private static final Set<String> READ_SLOW = Set.of("readonly");
    private static final CommandHandler.Reply OK = RespWriter::ok;
    private static final int SCAN_MAX_COUNT = 100_000;

    private final StoreNode node;
    private final WriteOutcomes outcomes;
    private final ReadModifyWriteCommands readModifyWrite;
    private final DecidedCommands decided;
    private final DataSteps steps;

    private StringCommands(StoreNode node, WriteOutcomes outcomes, DecidedCommands decided, DataSteps steps) {
        this.node = node;
        this.outcomes = outcomes;
        this.decided = decided;
        this.steps = steps;
        this.readModifyWrite = new ReadModifyWriteCommands(node, decided);
    }

    static void register(CommandTable table, StoreNode node, WriteOutcomes outcomes, DecidedCommands decided,
                         DataSteps steps) {
        StringCommands c = new StringCommands(node, outcomes, decided, steps);
        c.readModifyWrite.register(table);
        table.add("get", 2, READ, 1, 1, 1, c::get)
                .add("set", -3, WRITE, 1, 1, 1, c::set)
                // decided on the primary as one log entry: all the keys on every store, or none
                .add("del", -2, WRITE_AFTER_READ, 1, -1, 1, (s, a, out) -> decided.step(s, steps::delete, a))
                .add("unlink", -2, WRITE_AFTER_READ, 1, -1, 1, (s, a, out) -> decided.step(s, steps::delete, a))
                .add("mset", -3, WRITE, 1, -1, 2, (s, a, out) -> decided.step(s, steps::mset, a))
                .add("msetnx", -3, WRITE, 1, -1, 2, (s, a, out) -> decided.step(s, steps::msetIfNoneExist, a))
                // times to live: decided on the primary as absolute times, so every store and a failover keep them
                .add("setex", 4, WRITE, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("setex"), a))
                .add("psetex", 4, WRITE, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("psetex"), a))
                .add("getex", -2, WRITE, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("getex"), a))
                .add("expire", -3, WRITE_FAST, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("expire"), a))
                .add("pexpire", -3, WRITE_FAST, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("pexpire"), a))
                .add("expireat", -3, WRITE_FAST, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("expireat"), a))
                .add("pexpireat", -3, WRITE_FAST, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("pexpireat"), a))
                .add("persist", 2, WRITE_FAST, 1, 1, 1, (s, a, out) -> decided.step(s, steps.find("persist"), a))
                .add("ttl", 2, READ, 1, 1, 1, c::readStep)
                .add("pttl", 2, READ, 1, 1, 1, c::readStep)
                .add("expiretime", 2, READ, 1, 1, 1, c::readStep)
                .add("pexpiretime", 2, READ, 1, 1, 1, c::readStep)
                .add("exists", -2, READ, 1, -1, 1, c::exists)
                .add("mget", -2, READ, 1, -1, 1, c::mget)
                .add("strlen", 2, READ, 1, 1, 1, c::strlen)
                .add("type", 2, READ, 1, 1, 1, c::type)
                .add("dbsize", 1, READ, c::dbsize)
                .add("scan", -2, READ_SLOW, c::scan)
                .add("keys", 2, READ_SLOW, c::keys)
                .add("flushdb", -1, WRITE_FREES, (s, a, out) -> error(out, "ERR FLUSHDB is not enabled on this store: "
                        + "delete keys one by one, or make a new cluster"))
                .add("flushall", -1, WRITE_FREES, (s, a, out) -> error(out, "ERR FLUSHALL is not enabled on this store: "
                        + "delete keys one by one, or make a new cluster"));
    }

    private int maxKey() {
        return node.settings().maxKeyBytes();
    }

    private CompletableFuture<CommandHandler.Reply> get(RespSession session, List<byte[]> args, RespWriter out) {
        out.bulk(node.read(Args.key(args, 1, maxKey())).value());
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> set(RespSession session, List<byte[]> args, RespWriter out) {
        String key = Args.key(args, 1, maxKey());
        if (!setOptions(args).plain()) {
            return decided.step(session, steps.find("set"), args);
        }
        return write(session, LogEntry.Op.PUT, key, args.get(2), OK);
    }

    /** SET's options after the value: NX, XX, GET, KEEPTTL, EX seconds, PX ms, EXAT seconds, PXAT ms. */
    static StringRules.SetOptions setOptions(List<byte[]> args) {
        if (args.size() <= 3) {
            return StringRules.SetOptions.PLAIN; // most SETs: no options object made and dropped
        }
        boolean absent = false;
        boolean present = false;
        boolean get = false;
        boolean keepTtl = false;
        StringRules.Expiry expiry = null;
        for (int i = 3; i < args.size(); i++) {
            String option = Args.upper(args, i);
            switch (option) {
                case "NX" -> absent = true;
                case "XX" -> present = true;
                case "GET" -> get = true;
                case "KEEPTTL" -> keepTtl = true;
                case "EX", "PX", "EXAT", "PXAT" -> {
                    if (expiry != null || i + 1 >= args.size()) {
                        throw new Args.Invalid(Args.SYNTAX);
                    }
                    long amount = Args.integer(args, ++i);
                    if (amount <= 0) {
                        throw new Args.Invalid("ERR invalid expire time in 'set' command");
                    }
                    expiry = new StringRules.Expiry(StringRules.ExpiryUnit.valueOf(option), amount);
                }
                default -> throw new Args.Invalid(Args.SYNTAX);
            }
        }
        if ((absent && present) || (keepTtl && expiry != null)) {
            throw new Args.Invalid(Args.SYNTAX);
        }
        StringRules.SetOptions options = new StringRules.SetOptions(absent, present, get, keepTtl, expiry);
        return options.plain() ? StringRules.SetOptions.PLAIN : options;
    }

    /** A command that only reads, run as its step on this store's applied values (a secondary too). */
    private CompletableFuture<CommandHandler.Reply> readStep(RespSession session, List<byte[]> args, RespWriter out) {
        steps.find(CommandTable.lowerAscii(args.get(0))).run(new WriteCollector(new AppliedValues(node)), args)
                .writeTo(out);
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> exists(RespSession session, List<byte[]> args, RespWriter out) {
        out.integer(node.readAtOnePoint(() -> {
            long found = 0;
            for (int i = 1; i < args.size(); i++) {
                if (node.read(Args.key(args, i, maxKey())).value() != null) {
                    found++;
                }
            }
            return found;
        }));
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> mget(RespSession session, List<byte[]> args, RespWriter out) {
        byte[][] values = node.readAtOnePoint(() -> {
            byte[][] read = new byte[args.size() - 1][];
            for (int i = 1; i < args.size(); i++) {
                read[i - 1] = node.read(Args.key(args, i, maxKey())).value();
            }
            return read;
        });
        out.array(values.length);
        for (byte[] value : values) {
            out.bulk(value);
        }
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> strlen(RespSession session, List<byte[]> args, RespWriter out) {
        byte[] value = node.read(Args.key(args, 1, maxKey())).value();
        out.integer(value == null ? 0 : value.length);
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> type(RespSession session, List<byte[]> args, RespWriter out) {
        ReadResult read = node.read(Args.key(args, 1, maxKey()));
        out.simple(read.value() == null ? "none" : "string");
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> dbsize(RespSession session, List<byte[]> args, RespWriter out) {
        out.integer(node.keyCount());
        return null;
    }

    /** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: the cursor is a position in a fixed key order. */
    private CompletableFuture<CommandHandler.Reply> scan(RespSession session, List<byte[]> args, RespWriter out) {
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(Args.text(args, 1));
        } catch (NumberFormatException e) {
            return error(out, "ERR invalid cursor");
        }
        Predicate<String> match = key -> true;
        int count = 10;
        boolean onlyStrings = true;
        for (int i = 2; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                return error(out, Args.SYNTAX);
            }
            switch (Args.upper(args, i)) {
                case "MATCH" -> match = GlobPattern.of(Args.text(args, i + 1));
                case "COUNT" -> {
                    long asked = Args.integer(args, i + 1);
                    if (asked < 1) {
                        return error(out, Args.SYNTAX);
                    }
                    count = (int) Math.min(asked, SCAN_MAX_COUNT);
                }
                case "TYPE" -> onlyStrings = Args.text(args, i + 1).toLowerCase(Locale.ROOT).equals("string");
                default -> {
                    return error(out, Args.SYNTAX);
                }
            }
        }
        KvState.ScanPage page = node.scan(cursor, count, match);
        List<String> keys = onlyStrings ? page.keys() : List.of();
        out.array(2).bulk(Long.toUnsignedString(page.nextCursor())).array(keys.size());
        keys.forEach(out::bulk);
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> keys(RespSession session, List<byte[]> args, RespWriter out) {
        KvState.ScanPage page = node.scan(0, Integer.MAX_VALUE, GlobPattern.of(Args.text(args, 1)));
        out.array(page.keys().size());
        page.keys().forEach(out::bulk);
        return null;
    }

    /** Into the log; the reply waits for the commit, or says at once why the write was refused. */
    private CompletableFuture<CommandHandler.Reply> write(RespSession session, LogEntry.Op op, String key, byte[] value,
                                                          CommandHandler.Reply onCommit) {
        CompletableFuture<WriteResult> pending;
        try {
            pending = node.write(new LogEntry(0, 0, op, key.getBytes(StandardCharsets.UTF_8), value));
        } catch (RuntimeException refused) {
            outcomes.refused();
            String error = RespErrors.of(refused, node.settings().writeTimeoutMillis());
            return CompletableFuture.completedFuture(o -> o.error(error));
        }
        return pending.handle((result, failure) -> {
            if (failure != null) {
                outcomes.failed();
                String error = RespErrors.of(failure, node.settings().writeTimeoutMillis());
                return o -> o.error(error);
            }
            outcomes.acknowledged();
            long offset = result.offset();
            return o -> {
                session.wrote(offset);
                onCommit.writeTo(o);
            };
        });
    }

    static CompletableFuture<CommandHandler.Reply> error(RespWriter out, String error) {
        out.error(error);
        return null;
    }
}
