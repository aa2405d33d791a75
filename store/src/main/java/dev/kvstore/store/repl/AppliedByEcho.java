package dev.kvstore.store.repl;

import java.util.ArrayDeque;

/**
 * What a secondary has applied, as its echoes prove it. A secondary applies each frame's commit point
 * (as far as the entries it has received) before it echoes that frame's send time, so an
 * acknowledgement echoing a frame shows that much applied: WAIT counts a secondary only then, since
 * Redis's users read a replica after WAIT and expect the write there. One per session, on its event
 * loop.
 */
final class AppliedByEcho {

    /** Frames not yet echoed beyond this are not remembered: the figure then lags (WAIT waits), never leads. */
    static final int MAX_REMEMBERED = 4096;

    /** A frame sent: when, and how far the secondary applies once it has read it. */
    private record Sent(long sentNanos, long applicable) {
    }

    private final ArrayDeque<Sent> sent = new ArrayDeque<>();
    private long applied;
    private boolean anySent;
    private long firstSentNanos;
    private long lastSentNanos;

    /**
     * The send time for the next frame: strictly after the previous one, so that an echo names one
     * frame and never proves a later one sent in the same nanosecond.
     */
    long stamp() {
        long now = System.nanoTime();
        return anySent && now - lastSentNanos <= 0 ? lastSentNanos + 1 : now;
    }

    /**
     * True when {@code echoNanos} is the send time of a frame of this session: not 0 or an earlier
     * session's (a secondary's first acknowledgement), nor one from another process's clock.
     */
    boolean ours(long echoNanos) {
        return anySent && echoNanos - firstSentNanos >= 0 && echoNanos - lastSentNanos <= 0;
    }

    /** A frame carrying commit point {@code commit} left at {@code sentNanos} (from {@link #stamp}), after entries up to {@code lastSent}. */
    void sent(long sentNanos, long commit, long lastSent) {
        if (!anySent) {
            anySent = true;
            firstSentNanos = sentNanos;
        }
        lastSentNanos = sentNanos;
        long applicable = Math.min(commit, lastSent);
        Sent newest = sent.peekLast();
        if ((newest != null && newest.applicable() >= applicable) || applicable <= applied
                || sent.size() >= MAX_REMEMBERED) {
            return; // an earlier frame already proves as much, with an earlier time
        }
        sent.addLast(new Sent(sentNanos, applicable));
    }

    /** An acknowledgement echoed the frame sent at {@code echoNanos}: answers how far the secondary has applied. */
    long echoed(long echoNanos) {
        if (!ours(echoNanos)) {
            return applied;
        }
        while (!sent.isEmpty() && sent.peekFirst().sentNanos() - echoNanos <= 0) {
            applied = Math.max(applied, sent.pollFirst().applicable());
        }
        return applied;
    }
}
