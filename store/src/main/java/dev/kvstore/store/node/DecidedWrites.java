package dev.kvstore.store.node;

import dev.kvstore.store.log.Mutation;
import java.util.List;

/**
 * What a decision over any number of keys came to: the key changes to log, in order, as one entry
 * (none: nothing to write), and the reply its client gets once they are committed.
 *
 * @param <R> the reply, in the caller's terms
 */
public record DecidedWrites<R>(List<Mutation> writes, R reply) {

    /** A single key's decision, made on {@code view} (which gives the time to live a value may keep). */
    public static <R> DecidedWrites<R> of(Decision<R> decision, String key, KeyView view) {
        return switch (decision.kind()) {
            case PUT -> new DecidedWrites<>(List.of(Mutation.put(key, decision.value(),
                    decision.expiresAtMillis(view.expiresAtMillis(key)))), decision.reply());
            case DELETE -> new DecidedWrites<>(List.of(Mutation.delete(key)), decision.reply());
            case NONE -> new DecidedWrites<>(List.of(), decision.reply());
        };
    }
}
