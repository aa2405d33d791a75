package dev.kvstore.cli.lin;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the clients of a linearizability test do: a few shared keys (so that a stale read or a lost
 * write has something to show), of three kinds: registers (put, get), appends (each suffix unique,
 * so an append applied twice shows; the keys change every few seconds) and counters (incr). Runs
 * client loops on threads until closed.
 */
final class Workload implements AutoCloseable {

    static final List<String> REGISTERS = List.of("r0", "r1", "r2", "r3", "r4");
    static final List<String> COUNTERS = List.of("n0", "n1");
    private static final int APPEND_KEYS = 2;
    /** Appended values grow; a fresh pair of keys every few seconds keeps each read (and the history) small. */
    private static final long APPEND_KEY_MILLIS = 4_000;

    private final long started = System.nanoTime();
    private final java.util.Set<String> appendKeysUsed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    boolean running() {
        return running.get();
    }

    static String pick(List<String> keys, Random random) {
        return keys.get(random.nextInt(keys.size()));
    }

    /** One of the append keys of now. */
    String appendKey(Random random) {
        long generation = (System.nanoTime() - started) / 1_000_000 / APPEND_KEY_MILLIS;
        String key = "a" + random.nextInt(APPEND_KEYS) + "." + generation;
        appendKeysUsed.add(key);
        return key;
    }

    /** Any key a read may ask for: registers, counters, the append keys of now. */
    String anyKey(Random random) {
        int choice = random.nextInt(REGISTERS.size() + COUNTERS.size() + APPEND_KEYS);
        if (choice < REGISTERS.size()) {
            return REGISTERS.get(choice);
        }
        choice -= REGISTERS.size();
        return choice < COUNTERS.size() ? COUNTERS.get(choice) : appendKey(random);
    }

    /** Every key written or read so far, for the final reads. */
    List<String> everyKey() {
        List<String> all = new ArrayList<>(REGISTERS);
        all.addAll(COUNTERS);
        all.addAll(new java.util.TreeSet<>(appendKeysUsed));
        return all;
    }

    /**
     * The clients every fault test runs: 3 HTTP clients that move to the next store when refused, one
     * HTTP client pinned to each store (behind a proxy that has not noticed the failover), 2 Jedis clients.
     */
    void startClients(List<dev.kvstore.cli.local.NodeProcess> stores, History history, long seed) {
        for (int i = 0; i < 3; i++) {
            start("http-" + i, new HttpClientLoop("http-" + i, stores, history, this, seed + i));
        }
        for (dev.kvstore.cli.local.NodeProcess store : stores) {
            String name = "http-pinned-to-" + store.name();
            start(name, HttpClientLoop.pinnedTo(store, name, history, this, seed + 20 + stores.indexOf(store)));
        }
        for (int i = 0; i < 2; i++) {
            start("jedis-" + i, new RespClientLoop("jedis-" + i, stores, history, this, seed + 10 + i));
        }
    }

    /** Starts {@code loop} on a thread of its own; it should return soon after {@link #running()} turns false. */
    void start(String name, Runnable loop) {
        Thread thread = new Thread(loop, name);
        threads.add(thread);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(30_000);
            if (thread.isAlive()) {
                throw new IllegalStateException(thread.getName() + " did not stop within 30 s");
            }
        }
    }

    static void backOff() {
        try {
            // a client's pause before trying the next store (what real clients do), not a wait for a condition
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
