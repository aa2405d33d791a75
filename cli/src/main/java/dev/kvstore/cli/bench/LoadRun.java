package dev.kvstore.cli.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one workload with N clients, each a thread with its own connection, for a fixed time after
 * a warm-up, and reports throughput and latency percentiles. Every request loop is bounded in time.
 */
final class LoadRun {

    /** One client's operation; {@code i} grows per call. Throws on a failed request. */
    interface Operation {
        void run(long i) throws Exception;
    }

    interface ClientFactory {
        Operation open(int client) throws Exception;
    }

    record Result(String name, int clients, double opsPerSecond, double p50Millis, double p99Millis,
                  double p999Millis, long errors) {
    }

    static Result run(String name, int clients, long warmupMillis, long measureMillis, ClientFactory factory)
            throws Exception {
        List<Thread> threads = new ArrayList<>();
        long[][] latencies = new long[clients][];
        int[] counts = new int[clients];
        AtomicLong errors = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(clients);
        long start = System.nanoTime() + 200_000_000L;
        long measureFrom = start + warmupMillis * 1_000_000L;
        long end = measureFrom + measureMillis * 1_000_000L;
        List<Exception> setupFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                Operation operation;
                try {
                    operation = factory.open(client);
                } catch (Exception e) {
                    setupFailures.add(e);
                    ready.countDown();
                    return;
                }
                ready.countDown();
                while (System.nanoTime() < start) {
                    Thread.onSpinWait();
                }
                for (long i = 0; ; i++) {
                    long before = System.nanoTime();
                    if (before >= end) {
                        break;
                    }
                    try {
                        operation.run(i);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        continue;
                    }
                    long after = System.nanoTime();
                    if (before >= measureFrom && after <= end) {
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = after - before;
                    }
                }
                latencies[client] = mine;
                counts[client] = n;
                if (operation instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception ignored) {
                        // the run is over
                    }
                }
            }, name + "-client-" + c);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!setupFailures.isEmpty()) {
            throw setupFailures.get(0);
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < clients; c++) {
            if (latencies[c] != null) {
                System.arraycopy(latencies[c], 0, all, at, counts[c]);
                at += counts[c];
            }
        }
        Arrays.sort(all);
        double p50 = total == 0 ? Double.NaN : all[(int) (total * 0.50)] / 1e6;
        double p99 = total == 0 ? Double.NaN : all[Math.min(total - 1, (int) (total * 0.99))] / 1e6;
        double p999 = total == 0 ? Double.NaN : all[Math.min(total - 1, (int) (total * 0.999))] / 1e6;
        return new Result(name, clients, total / (measureMillis / 1000.0), p50, p99, p999, errors.get());
    }
}
