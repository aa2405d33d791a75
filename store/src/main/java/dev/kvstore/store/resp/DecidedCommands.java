package dev.kvstore.store.resp;

import dev.kvstore.store.node.DecidedWrites;
import dev.kvstore.store.node.KeyView;
import dev.kvstore.store.node.StoreNode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Runs a command that the primary decides from current values ({@link StoreNode#decideAll}) and turns
 * the outcome into the client's reply: the decision's own once its writes are committed, or the
 * refusal in Redis's words. Counts each outcome as HTTP counts its writes.
 */
final class DecidedCommands {

    private final StoreNode node;
    private final WriteOutcomes outcomes;

    DecidedCommands(StoreNode node, WriteOutcomes outcomes) {
        this.node = node;
        this.outcomes = outcomes;
    }

    /** A step over the keys, decided as one: its writes are one log entry. */
    CompletableFuture<CommandHandler.Reply> step(RespSession session, DataStep step, List<byte[]> args) {
        return run(session, view -> {
            WriteCollector keys = new WriteCollector(view);
            CommandHandler.Reply reply = step.run(keys, args);
            return new DecidedWrites<>(keys.writes(), reply);
        });
    }

    CompletableFuture<CommandHandler.Reply> run(RespSession session,
                                                Function<KeyView, DecidedWrites<CommandHandler.Reply>> rule) {
        long timeout = node.settings().writeTimeoutMillis();
        CompletableFuture<dev.kvstore.store.node.Decision.Done<CommandHandler.Reply>> pending;
        try {
            pending = node.decideAll(rule);
        } catch (Args.Invalid invalid) {
            String error = invalid.getMessage();
            return CompletableFuture.completedFuture(o -> o.error(error));
        } catch (RuntimeException refused) {
            outcomes.refused();
            String error = RespErrors.of(refused, timeout);
            return CompletableFuture.completedFuture(o -> o.error(error));
        }
        return pending.handle((done, failure) -> {
            if (failure != null) {
                outcomes.failed();
                String error = RespErrors.of(failure, timeout);
                return o -> o.error(error);
            }
            if (done.wrote()) {
                outcomes.acknowledged();
            }
            long offset = done.offset();
            return o -> {
                session.wrote(offset);
                done.reply().writeTo(o);
            };
        });
    }
}
