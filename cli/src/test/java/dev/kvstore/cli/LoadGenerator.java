package dev.kvstore.cli;

import dev.kvstore.cli.client.KvClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent writers of unique keys that remember exactly which writes were acknowledged, with the
 * epoch each was acknowledged in. A write that fails or times out is "unknown", never counted.
 */
public final class LoadGenerator implements AutoCloseable {

    public final Map<String, KvClient.Ack> acknowledged = new ConcurrentHashMap<>();
    /** For each acknowledged write: the wall-clock milliseconds it was sent and acknowledged at. */
    public final Map<String, SentAndAcknowledged> times = new ConcurrentHashMap<>();

    public record SentAndAcknowledged(long sentMillis, long acknowledgedMillis) {
    }
    final AtomicLong failures = new AtomicLong();
    /** The first refusals' messages, for a failure message. */
    final List<String> failureSamples = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch stopped;
    private final List<Thread> threads;
    private final AtomicLong firstAckNanosAfterEpoch = new AtomicLong();
    private volatile long watchedEpoch = Long.MAX_VALUE;
    private final AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong longestGapNanos = new AtomicLong();

    public LoadGenerator(List<String> urls, int writers, String prefix) {
        this(urls, writers, prefix, Duration.ofMinutes(2));
    }

    /** Writers that stop by themselves after {@code bound}, whatever happens. */
    public LoadGenerator(List<String> urls, int writers, String prefix, Duration bound) {
        stopped = new CountDownLatch(writers);
        threads = java.util.stream.IntStream.range(0, writers).mapToObj(w -> new Thread(() -> {
            KvClient client = new KvClient(urls, Duration.ofSeconds(2));
            long deadline = System.nanoTime() + bound.toNanos();
            try {
                for (int i = 0; running.get() && System.nanoTime() < deadline; i++) {
                    String key = prefix + "-w" + w + "-" + i;
                    try {
                        long sent = System.currentTimeMillis();
                        KvClient.Ack ack = client.put(key, value(key));
                        times.put(key, new SentAndAcknowledged(sent, System.currentTimeMillis()));
                        acknowledged.put(key, ack);
                        long now = System.nanoTime();
                        long gap = now - lastAckNanos.getAndSet(now);
                        longestGapNanos.accumulateAndGet(gap, Math::max);
                        if (ack.epoch() >= watchedEpoch) {
                            firstAckNanosAfterEpoch.compareAndSet(0, System.nanoTime());
                        }
                    } catch (Exception e) {
                        if (failures.incrementAndGet() <= 10) {
                            failureSamples.add(key + ": " + e);
                        }
                        try {
                            // a client's back-off before retrying (what real writers do), not a wait for a condition
                            Thread.sleep(5);
                        } catch (InterruptedException interrupted) {
                            return;
                        }
                    }
                }
            } finally {
                stopped.countDown();
            }
        }, "writer-" + w)).toList();
        threads.forEach(Thread::start);
    }

    public static byte[] value(String key) {
        return ("value of " + key).getBytes(StandardCharsets.UTF_8);
    }

    /** From now on, remember when the first write of an epoch above {@code epoch} is acknowledged. */
    void watchForEpochAbove(long epoch) {
        firstAckNanosAfterEpoch.set(0);
        watchedEpoch = epoch + 1;
    }

    /** The longest time without an acknowledged write, by any writer, since the load began. */
    public Duration longestPause() {
        return Duration.ofNanos(longestGapNanos.get());
    }

    long firstAckNanosInNewEpoch() {
        return firstAckNanosAfterEpoch.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        stopped.await();
    }
}
