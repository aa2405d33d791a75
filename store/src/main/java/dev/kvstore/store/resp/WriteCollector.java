package dev.kvstore.store.resp;

import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.node.Decision;
import dev.kvstore.store.node.KeyView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys as one command or transaction sees them while it is decided: its own writes so far, then
 * the primary's newest values. Collects those writes, which go to the log as one entry.
 */
final class WriteCollector {

    private final KeyView newest;
    private final Map<String, Mutation> written = new HashMap<>();
    private final List<Mutation> writes = new ArrayList<>();

    WriteCollector(KeyView newest) {
        this.newest = newest;
    }

    /** The key's value, or null when absent or expired. */
    byte[] get(String key) {
        Mutation own = written.get(key);
        if (own == null) {
            return newest.get(key);
        }
        return own.expires() && own.expiresAtMillis() <= nowMillis() ? null : own.value();
    }

    /** When the key's value expires, 0 when never, absent, or already past its time. */
    long expiresAtMillis(String key) {
        Mutation own = written.get(key);
        if (own == null) {
            return newest.expiresAtMillis(key);
        }
        return own.expires() && own.expiresAtMillis() <= nowMillis() ? 0 : own.expiresAtMillis();
    }

    long nowMillis() {
        return newest.nowMillis();
    }

    void put(String key, byte[] value) {
        put(key, value, 0);
    }

    /** A value that expires at {@code expiresAtMillis} (0: never). */
    void put(String key, byte[] value, long expiresAtMillis) {
        record(Mutation.put(key, value, expiresAtMillis));
    }

    void delete(String key) {
        record(Mutation.delete(key));
    }

    private void record(Mutation mutation) {
        written.put(mutation.key(), mutation);
        writes.add(mutation);
    }

    /** Carries out a single-key rule's decision and answers its reply. */
    CommandHandler.Reply apply(String key, Decision<CommandHandler.Reply> decision) {
        switch (decision.kind()) {
            case PUT -> put(key, decision.value(), decision.expiresAtMillis(expiresAtMillis(key)));
            case DELETE -> delete(key);
            case NONE -> { }
        }
        return decision.reply();
    }

    List<Mutation> writes() {
        return writes;
    }
}
