package dev.kvstore.enginebench;

import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.ReplicationLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;

/**
 * The measurement behind the storage choice: durable (fsynced) 100-byte writes per second and their
 * latency, with 1 and 50 writer threads, into our own log (group commit) and into RocksDB with
 * {@code sync=true} (RocksDB groups concurrent sync writes too). Run:
 * {@code mvn -q -pl engine-bench -am install -DskipTests && mvn -q -pl engine-bench exec:java}.
 */
public final class EngineBench {

    interface DurableWriter extends AutoCloseable {
        void write(String key, byte[] value) throws Exception;
    }

    private static final byte[] VALUE = "x".repeat(100).getBytes();
    private static final long SECONDS = Long.getLong("seconds", 4);

    public static void main(String[] args) throws Exception {
        Path parent = Files.createDirectories(Path.of(System.getProperty("dir", "engine-bench/target")).toAbsolutePath());
        Path root = Files.createTempDirectory(parent, "engine");
        System.out.println("| engine | writers | durable writes/s | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|");
        for (int writers : new int[]{1, 50}) {
            report("own log (group commit, fdatasync)", writers, run(writers, ownLog(root.resolve("log-" + writers))));
            report("RocksDB 10.10 (WAL, sync=true)", writers, run(writers, rocks(root.resolve("rocks-" + writers))));
        }
    }

    private static void report(String engine, int writers, long[] latencies) {
        Arrays.sort(latencies);
        System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.3f |%n", engine, writers, latencies.length / (double) SECONDS,
                latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6);
    }

    private static long[] run(int writers, DurableWriter writer) throws Exception {
        try (writer) {
            // warm-up, then measure
            measure(writers, writer, 1);
            return measure(writers, writer, SECONDS);
        }
    }

    private static long[] measure(int writers, DurableWriter writer, long seconds) throws Exception {
        List<long[]> all = new ArrayList<>();
        int[] counts = new int[writers];
        CountDownLatch done = new CountDownLatch(writers);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int w = 0; w < writers; w++) {
            long[] mine = new long[1 << 20];
            all.add(mine);
            int id = w;
            new Thread(() -> {
                int n = 0;
                try {
                    for (long i = 0; System.nanoTime() < end && n < mine.length; i++) {
                        long started = System.nanoTime();
                        writer.write("k-" + id + "-" + (i % 10_000), VALUE);
                        mine[n++] = System.nanoTime() - started;
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    counts[id] = n;
                    done.countDown();
                }
            }).start();
        }
        done.await();
        int total = Arrays.stream(counts).sum();
        long[] merged = new long[total];
        int at = 0;
        for (int w = 0; w < writers; w++) {
            System.arraycopy(all.get(w), 0, merged, at, counts[w]);
            at += counts[w];
        }
        return merged;
    }

    private static DurableWriter ownLog(Path dir) throws Exception {
        ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20);
        ConcurrentSkipListMap<Long, Thread> waiting = new ConcurrentSkipListMap<>();
        log.onDurable(durable -> waiting.headMap(durable, true).values().forEach(java.util.concurrent.locks.LockSupport::unpark));
        return new DurableWriter() {
            public void write(String key, byte[] value) {
                long offset = log.appendNext(LogEntry.put(1, 0, key, value)).offset();
                waiting.put(offset, Thread.currentThread());
                while (log.durableOffset() < offset) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
                waiting.remove(offset);
            }

            public void close() throws Exception {
                log.close();
            }
        };
    }

    private static DurableWriter rocks(Path dir) throws Exception {
        org.rocksdb.RocksDB.loadLibrary();
        org.rocksdb.Options options = new org.rocksdb.Options().setCreateIfMissing(true)
                .setWalTtlSeconds(3600).setWalSizeLimitMB(1024);
        org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.toString());
        org.rocksdb.WriteOptions sync = new org.rocksdb.WriteOptions().setSync(true);
        return new DurableWriter() {
            public void write(String key, byte[] value) throws Exception {
                db.put(sync, key.getBytes(), value);
            }

            public void close() {
                sync.close();
                db.close();
                options.close();
            }
        };
    }
}
