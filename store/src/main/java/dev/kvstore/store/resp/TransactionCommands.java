package dev.kvstore.store.resp;

import dev.kvstore.core.Role;
import dev.kvstore.store.node.DecidedWrites;
import dev.kvstore.store.node.KeyView;
import dev.kvstore.store.node.StoreNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH. EXEC runs the queued commands as one decision on the
 * primary: they see each other's writes, nothing runs between them, and their writes are one log
 * entry, applied by every store all together or not at all. A command that fails at EXEC (a wrong
 * type of value, say) answers its error in the array and the others still run, as in Redis. WATCH
 * makes EXEC answer a null array when a watched key was written after it was watched
 * ({@link KeyView#writtenSince}).
 */
final class TransactionCommands {

    /** Run at once inside MULTI, never queued. */
    static final Set<String> CONTROL = Set.of("multi", "exec", "discard", "watch", "quit", "reset");

    private static final Set<String> TRANSACTION = Set.of("fast", "loading", "stale", "allow_busy");
    private static final Set<String> WATCH_FLAGS = Set.of("fast", "loading", "stale", "allow_busy",
            Command.READS_OWN_WRITES);
    private static final Set<String> EXEC_FLAGS = Set.of("write", "noscript", "loading", "stale",
            Command.READS_OWN_WRITES);

    private final StoreNode node;
    private final DecidedCommands decided;
    private final DataSteps steps;

    private TransactionCommands(StoreNode node, DecidedCommands decided, DataSteps steps) {
        this.node = node;
        this.decided = decided;
        this.steps = steps;
    }

    static void register(CommandTable table, StoreNode node, DecidedCommands decided, DataSteps steps) {
        TransactionCommands c = new TransactionCommands(node, decided, steps);
        table.transactions(c);
        table.add("multi", 1, TRANSACTION, c::multi)
                .add("exec", 1, EXEC_FLAGS, c::exec)
                .add("discard", 1, TRANSACTION, c::discard)
                // after the connection's own pending writes, which would otherwise break its own watch
                .add("watch", -2, WATCH_FLAGS, 1, -1, 1, c::watch)
                .add("unwatch", 1, TRANSACTION, c::unwatch);
    }

    /**
     * A command sent inside MULTI: queued and answered QUEUED, or refused (a command that cannot run in
     * a transaction here), which makes EXEC abort, as Redis does with a command it refuses to queue.
     */
    void queue(RespSession session, Command command, List<byte[]> args, RespWriter out) {
        DataStep step = steps.find(command.name());
        if (step == null) {
            session.transaction().fail();
            out.error("ERR " + command.name().toUpperCase(java.util.Locale.ROOT)
                    + " is not supported inside MULTI on this store");
            return;
        }
        session.transaction().add(new Transaction.Queued(step, List.copyOf(args), command.writes()));
        out.simple("QUEUED");
    }

    private CompletableFuture<CommandHandler.Reply> multi(RespSession session, List<byte[]> args, RespWriter out) {
        if (session.transaction() != null) {
            out.error("ERR MULTI calls can not be nested");
            return null;
        }
        session.beginTransaction();
        out.ok();
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> discard(RespSession session, List<byte[]> args, RespWriter out) {
        if (session.transaction() == null) {
            out.error("ERR DISCARD without MULTI"); // the watched keys stay watched, as in Redis
            return null;
        }
        session.endTransaction();
        out.ok();
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> watch(RespSession session, List<byte[]> args, RespWriter out) {
        if (session.transaction() != null) {
            out.error("ERR WATCH inside MULTI is not allowed");
            return null;
        }
        // only the primary keeps the write stamps that tell; elsewhere this refuses as a write would
        List<String> keys = new ArrayList<>();
        for (int i = 1; i < args.size(); i++) {
            keys.add(Args.key(args, i, node.settings().maxKeyBytes())); // all checked before any is watched
        }
        // every key's watch made before any is registered: a refusal leaves none half-watched
        node.watch(keys).forEach(session.watched()::putIfAbsent);
        out.ok();
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> unwatch(RespSession session, List<byte[]> args, RespWriter out) {
        session.watched().clear();
        out.ok();
        return null;
    }

    private CompletableFuture<CommandHandler.Reply> exec(RespSession session, List<byte[]> args, RespWriter out) {
        if (session.transaction() == null) {
            out.error("ERR EXEC without MULTI"); // the watched keys stay watched, as in Redis
            return null;
        }
        Map<String, KeyView.Watch> watched = Map.copyOf(session.watched());
        Transaction transaction = session.endTransaction();
        if (transaction.failed()) {
            out.error("EXECABORT Transaction discarded because of previous errors.");
            return null;
        }
        if (!transaction.writes() && watched.isEmpty() && node.role() != Role.PRIMARY) {
            // reads only, on a secondary: from its applied state, as its GETs are
            // every reply first: a refusal (a snapshot loading) must not follow a header already written
            // and all at one point of the log, so an MSET or a transaction applied meanwhile is seen whole or not at all
            WriteCollector keys = new WriteCollector(new AppliedValues(node));
            List<CommandHandler.Reply> replies = node.readAtOnePoint(() -> {
                List<CommandHandler.Reply> made = new ArrayList<>();
                for (Transaction.Queued queued : transaction.queued()) {
                    made.add(run(queued, keys));
                }
                return made;
            });
            out.array(replies.size());
            replies.forEach(reply -> reply.writeTo(out));
            return null;
        }
        return decided.run(session, view -> {
            for (Map.Entry<String, KeyView.Watch> watch : watched.entrySet()) {
                if (view.changedSince(watch.getKey(), watch.getValue())) {
                    return new DecidedWrites<>(List.of(), RespWriter::nullArray);
                }
            }
            WriteCollector keys = new WriteCollector(view);
            List<CommandHandler.Reply> replies = new ArrayList<>();
            for (Transaction.Queued queued : transaction.queued()) {
                replies.add(run(queued, keys));
            }
            return new DecidedWrites<>(keys.writes(), o -> {
                o.array(replies.size());
                replies.forEach(reply -> reply.writeTo(o));
            });
        });
    }

    private static CommandHandler.Reply run(Transaction.Queued queued, WriteCollector keys) {
        try {
            return queued.step().run(keys, queued.args());
        } catch (Args.Invalid invalid) {
            String error = invalid.getMessage();
            return o -> o.error(error);
        }
    }
}
