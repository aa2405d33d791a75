package dev.kvstore.store.node;

/** An acknowledged write: the term and log offset it was committed at. */
public record WriteResult(long epoch, long offset) {
}
