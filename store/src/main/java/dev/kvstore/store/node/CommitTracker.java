package dev.kvstore.store.node;

import dev.kvstore.core.ReplicationMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * A primary's view of what is committed in its term: the highest offset that is durable on the
 * primary and on {@code minSyncReplicas} secondaries (synchronous mode) or on the primary alone
 * (asynchronous mode). As in Raft, the commit point only counts once it reaches the term's first
 * entry, so an older term's leftover entries are never declared committed by counting copies.
 */
public final class CommitTracker {

    /** One secondary, by node id, as heard on its newest session (sessions are numbered as they open). */
    private record Follower(long session, long ackedOffset, long echoNanos, long appliedOffset) {
    }

    private final ReplicationMode mode;
    private final int minSyncReplicas;
    private final long termStartOffset;
    private final long leaseNanos;
    private final LongConsumer onCommit;
    private final Map<String, Follower> followers = new ConcurrentHashMap<>();
    /**
     * Earliest offset first. A heap in one array, not a map of lists: a node, a boxed key and a list per write
     * were a tenth of the write path's garbage. Waits arrive nearly in offset order (each write's right after its
     * append), so an insert rarely moves far.
     */
    private final PriorityQueue<CommitWaiter> waiters =
            new PriorityQueue<>(64, Comparator.comparingLong(CommitWaiter::offset));
    private long localDurable;
    private long commit;
    /**
     * The highest commit point whose apply has run: a wait at or below it is told at once. Not {@link #commit}: that
     * rises first, and a wait told between the two would be acknowledged before its value could be read.
     */
    private long applied;
    /** Calls of {@link #recompute} between raising the commit point and telling their waits (applying meanwhile). */
    private int applying;
    private RuntimeException retiredBy; // once set, every wait registered later fails with it

    CommitTracker(ReplicationMode mode, int minSyncReplicas, long termStartOffset, long leaseNanos,
                  LongConsumer onCommit) {
        this.mode = mode;
        this.minSyncReplicas = minSyncReplicas;
        this.termStartOffset = termStartOffset;
        this.leaseNanos = leaseNanos;
        this.onCommit = onCommit;
    }

    /** Completes when {@code offset} is committed, with that offset. */
    CompletableFuture<Long> awaitCommit(long offset) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        await(new CommitWaiter() {
            @Override
            public long offset() {
                return offset;
            }

            @Override
            public void committed(long commit) {
                future.complete(commit);
            }

            @Override
            public void failed(RuntimeException cause) {
                future.completeExceptionally(cause);
            }
        });
        return future;
    }

    /** Tells {@code waiter} when its offset commits, or that this term ended first: at once when either already happened. */
    void await(CommitWaiter waiter) {
        long committed;
        RuntimeException retired;
        synchronized (this) {
            committed = applied;
            retired = retiredBy;
            // above the applied point: wait, also after the term ended when the offset committed already (the
            // apply under way tells it, see recompute)
            if (waiter.offset() > committed && (retired == null || (waiter.offset() <= commit && applying > 0))) {
                waiters.add(waiter);
                return;
            }
        }
        if (waiter.offset() <= committed) {
            waiter.committed(waiter.offset());
        } else {
            waiter.failed(retired);
        }
    }

    void localDurable(long offset) {
        synchronized (this) {
            localDurable = Math.max(localDurable, offset);
        }
        recompute();
    }

    /**
     * An acknowledgement from secondary {@code nodeId} on {@code session} (a number that grows with
     * every session the primary opens). Keyed by node, not by
     * connection: a half-open old session and a new one of the same store are one copy of the data,
     * never two towards minSyncReplicas.
     */
    public void acknowledged(String nodeId, long session, long offset, long echoNanos, long appliedOffset) {
        followers.compute(nodeId, (id, old) -> {
            if (old == null || session > old.session) {
                return new Follower(session, offset, echoNanos, appliedOffset);
            }
            if (session < old.session) {
                return old; // a late acknowledgement of a session that a newer one replaced
            }
            return new Follower(session, Math.max(old.ackedOffset, offset), Math.max(old.echoNanos, echoNanos),
                    Math.max(old.appliedOffset, appliedOffset));
        });
        recompute();
    }

    /** The session ended; a newer session of the same store keeps its place. */
    public void followerGone(String nodeId, long session) {
        followers.computeIfPresent(nodeId, (id, old) -> old.session == session ? null : old);
    }

    int followerCount() {
        return followers.size();
    }

    /** How many secondaries hold {@code offset} on disk and have applied it (they serve it to reads). */
    int followersServing(long offset) {
        return (int) followers.values().stream()
                .filter(f -> f.ackedOffset >= offset && f.appliedOffset >= offset).count();
    }

    synchronized long commitOffset() {
        return commit;
    }

    /**
     * Whether the term's first entry committed and everything up to it was applied: reads may be answered only
     * then. The commit point alone rises before the apply (a new primary's backlog of older terms' entries, some
     * of them acknowledged by its predecessor, is applied with that first commit), so a read in between would
     * miss them.
     */
    synchronized boolean termCommitted() {
        return applied >= termStartOffset;
    }

    /**
     * The primary may answer reads while {@code minSyncReplicas} secondaries acknowledged a message it
     * sent less than a lease ago: they cannot have been fenced for longer, and a new primary waits a
     * lease after fencing before it takes writes.
     */
    boolean holdsReadLease(long nowNanos) {
        if (!termCommitted()) {
            return false;
        }
        if (mode == ReplicationMode.ASYNC || minSyncReplicas == 0) {
            return true;
        }
        return heardWithin(nowNanos, leaseNanos) >= minSyncReplicas;
    }

    /** How many secondaries acknowledged a message sent less than {@code withinNanos} ago (asked on every write: no stream). */
    private int heardWithin(long nowNanos, long withinNanos) {
        int heard = 0;
        for (Follower follower : followers.values()) {
            if (nowNanos - follower.echoNanos < withinNanos) {
                heard++;
            }
        }
        return heard;
    }

    /**
     * Redis's min-replicas-to-write: once the term's first entry is committed (before, writes wait for
     * the secondaries that are still connecting after a promotion), a synchronous primary refuses a
     * write at once while fewer than {@code minSyncReplicas} secondaries are connected and acknowledged
     * a message sent less than {@code goodWithinNanos} ago; such a write could only time out. Answers
     * why, or null when enough are good.
     */
    String tooFewGoodReplicas(long nowNanos, long goodWithinNanos) {
        if (mode == ReplicationMode.ASYNC || minSyncReplicas == 0 || !termCommitted()) {
            return null;
        }
        int good = heardWithin(nowNanos, goodWithinNanos);
        return good >= minSyncReplicas ? null : good + " of " + followers.size() + " connected secondaries caught up "
                + "within " + goodWithinNanos / 1_000_000 + " ms, kv.min-sync-replicas " + minSyncReplicas;
    }

    /**
     * Whether the good secondaries other than {@code nodeId} still meet {@code minSyncReplicas}: closing that
     * one's connection then refuses no write (it connects again a moment later).
     */
    boolean enoughGoodReplicasWithout(String nodeId, long nowNanos, long goodWithinNanos) {
        if (mode == ReplicationMode.ASYNC || minSyncReplicas == 0) {
            return true;
        }
        long good = followers.entrySet().stream().filter(f -> !f.getKey().equals(nodeId))
                .filter(f -> nowNanos - f.getValue().echoNanos < goodWithinNanos).count();
        return good >= minSyncReplicas;
    }

    private void recompute() {
        List<CommitWaiter> done = new ArrayList<>();
        long newCommit;
        synchronized (this) {
            long candidate = localDurable;
            if (mode == ReplicationMode.SYNC && minSyncReplicas > 0) {
                List<Long> acks = followers.values().stream().map(Follower::ackedOffset)
                        .sorted(java.util.Comparator.reverseOrder()).toList();
                if (acks.size() < minSyncReplicas) {
                    return;
                }
                candidate = Math.min(candidate, acks.get(minSyncReplicas - 1));
            }
            if (candidate <= commit || candidate < termStartOffset) {
                return;
            }
            commit = candidate;
            newCommit = candidate;
            applying++;
            while (!waiters.isEmpty() && waiters.peek().offset() <= newCommit) {
                done.add(waiters.poll());
            }
        }
        // apply before completing, so that a reader who saw the acknowledgement finds the value
        try {
            onCommit.accept(newCommit);
        } catch (RuntimeException | Error applyFailed) {
            // committed but not applied: the store cannot say more than that the write may not be readable
            RuntimeException cause = applyFailed instanceof RuntimeException e ? e
                    : new IllegalStateException("applying up to " + newCommit + " failed", applyFailed);
            List<CommitWaiter> failed = new ArrayList<>(done);
            synchronized (this) {
                applying--;
                failed.addAll(leftAfterTheEnd());
            }
            CompletionBatch.run(() -> failed.forEach(waiter -> waiter.failed(cause)));
            throw applyFailed;
        }
        long told;
        List<CommitWaiter> left;
        synchronized (this) {
            applying--;
            applied = Math.max(applied, newCommit);
            told = applied;
            // and the waits that came while it applied: at or below the point, and not told at once (see await)
            while (!waiters.isEmpty() && waiters.peek().offset() <= told) {
                done.add(waiters.poll());
            }
            left = leftAfterTheEnd();
        }
        CompletionBatch.run(() -> {
            for (CommitWaiter waiter : done) {
                waiter.committed(told);
            }
            for (CommitWaiter waiter : left) {
                waiter.failed(retiredBy());
            }
        });
    }

    /**
     * The waits nothing will tell any more, taken out: once the term ended and no apply is under way, those
     * failAll kept for an apply (see there) are past what was applied. Caller holds the lock.
     */
    private List<CommitWaiter> leftAfterTheEnd() {
        if (retiredBy == null || applying > 0 || waiters.isEmpty()) {
            return List.of();
        }
        List<CommitWaiter> left = new ArrayList<>(waiters);
        waiters.clear();
        return left;
    }

    private synchronized RuntimeException retiredBy() {
        return retiredBy;
    }

    /**
     * Retires the tracker: every write waiting for a commit fails with {@code cause}, and so does every
     * wait registered later (a write that got into the log just before its term ended or its disk failed).
     */
    void failAll(RuntimeException cause) {
        List<CommitWaiter> all = new ArrayList<>();
        synchronized (this) {
            if (retiredBy == null) {
                retiredBy = cause;
            }
            // the waits at or below the commit point stay: their entries committed, and the apply under way
            // tells them so (between a commit point's rise and its apply, see recompute)
            List<CommitWaiter> committed = new ArrayList<>();
            for (CommitWaiter waiter : waiters) {
                (waiter.offset() <= commit && applying > 0 ? committed : all).add(waiter);
            }
            waiters.clear();
            waiters.addAll(committed);
        }
        CompletionBatch.run(() -> all.forEach(waiter -> waiter.failed(cause)));
    }
}
