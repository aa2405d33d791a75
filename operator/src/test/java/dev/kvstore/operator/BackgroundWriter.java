package dev.kvstore.operator;

import dev.kvstore.cli.client.KvClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load for tests that change the cluster under writes: one thread writes {@code prefix-0},
 * {@code prefix-1}, … to whichever store is primary, until stopped or {@code atMost} passed, and keeps
 * what was acknowledged and the longest time between two acknowledgements.
 */
final class BackgroundWriter {

    private final Map<String, KvClient.Ack> acknowledged = new ConcurrentHashMap<>();
    /** For each acknowledged write, the wall-clock milliseconds it was sent and acknowledged at. */
    private final Map<String, long[]> times = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final Thread thread;
    private volatile long longestGapNanos;

    BackgroundWriter(List<String> urls, String prefix, Duration atMost) {
        thread = new Thread(() -> {
            KvClient kv = AnyServerTls.kv(urls, Duration.ofSeconds(2));
            long deadline = System.nanoTime() + atMost.toNanos();
            long lastAck = 0;
            for (int i = 0; writing.get() && System.nanoTime() < deadline; i++) {
                try {
                    long sent = System.currentTimeMillis();
                    KvClient.Ack ack = kv.put(prefix + "-" + i, "v".getBytes());
                    times.put(prefix + "-" + i, new long[] {sent, System.currentTimeMillis()});
                    acknowledged.put(prefix + "-" + i, ack);
                    long now = System.nanoTime();
                    if (lastAck != 0) {
                        longestGapNanos = Math.max(longestGapNanos, now - lastAck);
                    }
                    lastAck = now;
                } catch (Exception e) {
                    failures.incrementAndGet(); // refused or unanswered while the cluster changes
                }
            }
        }, "writer-" + prefix);
        thread.start();
    }

    /** Stops writing; what was acknowledged stays readable. */
    BackgroundWriter stop() throws InterruptedException {
        writing.set(false);
        thread.join();
        return this;
    }

    Map<String, KvClient.Ack> acknowledged() {
        return acknowledged;
    }

    /** Sent and acknowledged at, in wall-clock milliseconds, by key. */
    Map<String, long[]> times() {
        return times;
    }

    long failures() {
        return failures.get();
    }

    long longestGapMillis() {
        return longestGapNanos / 1_000_000;
    }
}
