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

    private static final byte[] DELETED = new byte[0];

    private final KeyView newest;
    private final Map<String, byte[]> written = new HashMap<>();
    private final List<Mutation> writes = new ArrayList<>();

    WriteCollector(KeyView newest) {
        this.newest = newest;
    }

    byte[] get(String key) {
        byte[] own = written.get(key);
        if (own != null) {
            return own == DELETED ? null : own;
        }
        return newest.get(key);
    }

    void put(String key, byte[] value) {
        written.put(key, value);
        writes.add(Mutation.put(key, value));
    }

    void delete(String key) {
        written.put(key, DELETED);
        writes.add(Mutation.delete(key));
    }

    /** Carries out a single-key rule's decision and answers its reply. */
    CommandHandler.Reply apply(String key, Decision<CommandHandler.Reply> decision) {
        switch (decision.kind()) {
            case PUT -> put(key, decision.value());
            case DELETE -> delete(key);
            case NONE -> { }
        }
        return decision.reply();
    }

    List<Mutation> writes() {
        return writes;
    }
}
