package dev.kvstore.store.node;

/**
 * What waits for an offset to commit in a primary's term ({@link CommitTracker#await}): told once, either that the
 * offset committed or that the term ended (or its disk failed) first.
 */
interface CommitWaiter {

    /** The offset whose commit this waits for. */
    long offset();

    /** The commit point reached {@link #offset()}; {@code commit} is that point. */
    void committed(long commit);

    /** The term ended first: the entry may never commit. */
    void failed(RuntimeException cause);
}
