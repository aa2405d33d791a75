package dev.kvstore.store.resp;

import dev.kvstore.store.node.KeyView;
import dev.kvstore.store.node.StoreNode;

/**
 * The keys as this store's reads see them (its applied state, under the read rules of
 * {@link StoreNode#read}): for commands that only read, which run on secondaries too.
 */
final class AppliedValues implements KeyView {

    private final StoreNode node;
    private final long now = System.currentTimeMillis();
    /** One read per key, so that a value and its expiry always come from the same moment. */
    private final java.util.Map<String, java.util.Optional<dev.kvstore.store.state.KvState.Value>> seen =
            new java.util.HashMap<>();

    AppliedValues(StoreNode node) {
        this.node = node;
    }

    private java.util.Optional<dev.kvstore.store.state.KvState.Value> lookup(String key) {
        return seen.computeIfAbsent(key, k -> java.util.Optional.ofNullable(node.readWithExpiry(k, now)));
    }

    @Override
    public byte[] get(String key) {
        return lookup(key).map(dev.kvstore.store.state.KvState.Value::bytes).orElse(null);
    }

    @Override
    public long expiresAtMillis(String key) {
        return lookup(key).map(dev.kvstore.store.state.KvState.Value::expiresAtMillis).orElse(0L);
    }

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public boolean writtenSince(String key, WatchPoint since) {
        return true; // only a primary keeps write stamps; WATCH is refused elsewhere
    }
}
