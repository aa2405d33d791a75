package dev.kvstore.store.resp;

import dev.kvstore.store.node.DecidedWrites;
import dev.kvstore.store.node.Decision;
import dev.kvstore.store.node.StoreNode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The string commands that decide on the key's current value: SET with NX, XX or GET, SETNX, GETSET,
 * GETDEL, INCR, INCRBY, DECR, DECRBY and APPEND. The primary decides ({@link StringRules}) and logs the
 * result as a plain PUT or DELETE, so a secondary, a restart or a new primary applies the same value;
 * the reply comes when that is committed, as for any write.
 */
final class ReadModifyWriteCommands {

    private static final Set<String> WRITE = Set.of("write", "denyoom");
    private static final Set<String> WRITE_FREES = Set.of("write");

    private final StoreNode node;
    private final DecidedCommands decided;

    ReadModifyWriteCommands(StoreNode node, DecidedCommands decided) {
        this.node = node;
        this.decided = decided;
    }

    void register(CommandTable table) {
        table.add("setnx", 3, WRITE, 1, 1, 1, (s, a, out) -> decide(s, key(a),
                        current -> StringRules.setIfAbsent(current, a.get(2))))
                .add("getset", 3, WRITE, 1, 1, 1, (s, a, out) -> decide(s, key(a),
                        current -> StringRules.getAndSet(current, a.get(2))))
                .add("getdel", 2, WRITE_FREES, 1, 1, 1, (s, a, out) -> decide(s, key(a), StringRules::getAndDelete))
                .add("incr", 2, WRITE, 1, 1, 1, (s, a, out) -> incrementBy(s, a, 1))
                .add("decr", 2, WRITE, 1, 1, 1, (s, a, out) -> incrementBy(s, a, -1))
                .add("incrby", 3, WRITE, 1, 1, 1, (s, a, out) -> incrementBy(s, a, Args.integer(a, 2)))
                .add("decrby", 3, WRITE, 1, 1, 1, (s, a, out) -> {
                    long delta = Args.integer(a, 2);
                    if (delta == Long.MIN_VALUE) {
                        return StringCommands.error(out, "ERR decrement would overflow");
                    }
                    return incrementBy(s, a, -delta);
                })
                .add("append", 3, WRITE, 1, 1, 1, (s, a, out) -> decide(s, key(a),
                        current -> StringRules.append(current, a.get(2), node.settings().maxValueBytes())));
    }

    private CompletableFuture<CommandHandler.Reply> incrementBy(RespSession session, List<byte[]> args, long delta) {
        return decide(session, key(args), current -> StringRules.incrementBy(current, delta));
    }

    private String key(List<byte[]> args) {
        return Args.key(args, 1, node.settings().maxKeyBytes());
    }

    private CompletableFuture<CommandHandler.Reply> decide(RespSession session, String key,
                                                           Function<byte[], Decision<CommandHandler.Reply>> rule) {
        return decided.run(session, view -> DecidedWrites.of(rule.apply(view.get(key)), key, view));
    }
}
