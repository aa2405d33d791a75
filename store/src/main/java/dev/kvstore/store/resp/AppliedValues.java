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

    AppliedValues(StoreNode node) {
        this.node = node;
    }

    @Override
    public byte[] get(String key) {
        return node.read(key).value();
    }

    @Override
    public long expiresAtMillis(String key) {
        return node.expiresAtMillis(key);
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
