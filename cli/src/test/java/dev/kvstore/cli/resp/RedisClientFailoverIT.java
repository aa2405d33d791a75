package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * kill -9 of the primary under a Jedis writer and a Lettuce writer, each on its default settings,
 * each moving to the next store when its store refuses or goes away (as a client that knows the
 * stores' addresses does; in Kubernetes the -rw Service does that). Every SET answered +OK is on
 * the new primary afterwards.
 */
class RedisClientFailoverIT {

    private static final String HOST = "127.0.0.1";

    /** A client loop writing unique keys, recording the ones answered OK and when. */
    abstract static class Writer implements AutoCloseable {
        final String prefix;
        final List<Integer> ports;
        final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        final AtomicLong lastAckNanos = new AtomicLong();
        final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Writer(String prefix, List<Integer> ports) {
            this.prefix = prefix;
            this.ports = ports;
            this.thread = new Thread(this::loop, prefix + "-writer");
        }

        Writer start() {
            thread.start();
            return this;
        }

        static String value(String key) {
            return "value-of-" + key;
        }

        /** Connects to the store on {@code port}. */
        abstract void connect(int port) throws Exception;

        /** SET key value on the current connection; true if answered OK. */
        abstract boolean set(String key, String value) throws Exception;

        abstract void disconnect();

        private void loop() {
            int store = 0;
            long n = 0;
            boolean connected = false;
            while (running.get()) {
                try {
                    if (!connected) {
                        connect(ports.get(store));
                        connected = true;
                    }
                    String key = prefix + ":" + n++;
                    if (set(key, value(key))) {
                        acknowledged.put(key, System.nanoTime());
                        lastAckNanos.set(System.nanoTime());
                    }
                } catch (Exception refusedOrGone) {
                    // READONLY from a secondary, TRYAGAIN during the failover, or a dead connection: next store
                    if (errors.size() < 50) {
                        errors.add(ports.get(store) + ": " + refusedOrGone);
                    }
                    disconnect();
                    connected = false;
                    store = (store + 1) % ports.size();
                    sleep(20);
                }
            }
            disconnect();
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }
    }

    static final class JedisWriter extends Writer {
        private Jedis jedis;

        JedisWriter(List<Integer> ports) {
            super("jedis", ports);
        }

        @Override
        void connect(int port) {
            jedis = new Jedis(new HostAndPort(HOST, port),
                    DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(10_000).build());
            jedis.ping();
        }

        @Override
        boolean set(String key, String value) {
            return "OK".equals(jedis.set(key, value));
        }

        @Override
        void disconnect() {
            if (jedis != null) {
                jedis.close();
                jedis = null;
            }
        }
    }

    static final class LettuceWriter extends Writer {
        private final io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create();
        private StatefulRedisConnection<String, String> connection;

        LettuceWriter(List<Integer> ports) {
            super("lettuce", ports);
        }

        @Override
        void connect(int port) {
            connection = client.connect(RedisURI.builder().withHost(HOST).withPort(port)
                    .withTimeout(Duration.ofSeconds(10)).build());
        }

        @Override
        boolean set(String key, String value) {
            return "OK".equals(connection.sync().set(key, value));
        }

        @Override
        void disconnect() {
            if (connection != null) {
                connection.closeAsync();
                connection = null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            super.close();
            client.shutdown();
        }
    }

    /** INCR of one counter through Jedis, recording each reply it got and how many attempts failed. */
    static final class Incrementer extends Writer {
        private Jedis jedis;
        final List<Long> replies = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong failedAttempts = new AtomicLong();

        Incrementer(List<Integer> ports) {
            super("counter", ports);
        }

        @Override
        void connect(int port) {
            jedis = new Jedis(new HostAndPort(HOST, port),
                    DefaultJedisClientConfig.builder().connectionTimeoutMillis(1000).socketTimeoutMillis(10_000).build());
            jedis.ping();
        }

        @Override
        boolean set(String key, String value) {
            try {
                replies.add(jedis.incr("counter"));
                return false; // not a key to read back: the replies are checked instead
            } catch (RuntimeException e) {
                failedAttempts.incrementAndGet(); // may or may not have been applied
                throw e;
            }
        }

        @Override
        void disconnect() {
            if (jedis != null) {
                jedis.close();
                jedis = null;
            }
        }
    }

    @Test
    void every_ok_from_jedis_and_lettuce_survives_kill_minus_nine_of_the_primary() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("redis-failover", LocalClusterSettings.defaults(3)).start()) {
            List<Integer> ports = fixture.cluster.nodes().stream().map(NodeProcess::respPort).toList();
            long epochBefore = fixture.cluster.supervisor().epoch();
            NodeProcess victim = fixture.primary();
            Map<String, Long> acknowledged = new ConcurrentHashMap<>();
            long killedAt;
            Incrementer counter = new Incrementer(ports);
            try (Writer jedis = new JedisWriter(ports).start(); Writer lettuce = new LettuceWriter(ports).start();
                 Writer counting = counter.start()) {
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        jedis.acknowledged.size() > 200 && lettuce.acknowledged.size() > 200);
                killedAt = System.nanoTime();
                victim.kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> fixture.cluster.supervisor().epoch() > epochBefore);
                // both clients found the new primary and wrote through it
                int jedisBefore = jedis.acknowledged.size();
                int lettuceBefore = lettuce.acknowledged.size();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        jedis.acknowledged.size() > jedisBefore + 200 && lettuce.acknowledged.size() > lettuceBefore + 200);
                jedis.close();
                lettuce.close();
                counting.close();
                acknowledged.putAll(jedis.acknowledged);
                acknowledged.putAll(lettuce.acknowledged);
                System.out.printf("jedis: %d OK, lettuce: %d OK; first errors: %s / %s%n", jedis.acknowledged.size(),
                        lettuce.acknowledged.size(), jedis.errors.stream().limit(3).toList(),
                        lettuce.errors.stream().limit(3).toList());
            }
            NodeProcess newPrimary = fixture.primary();
            assertThat(newPrimary).isNotSameAs(victim);
            long gapMillis = acknowledged.values().stream().filter(t -> t > killedAt).min(Long::compare)
                    .map(t -> (t - killedAt) / 1_000_000).orElseThrow();
            List<String> lost = new ArrayList<>();
            try (Jedis reader = new Jedis(HOST, newPrimary.respPort())) {
                for (String key : acknowledged.keySet()) {
                    if (!Writer.value(key).equals(reader.get(key))) {
                        lost.add(key);
                    }
                }
            }
            System.out.printf("%d acknowledged SETs read back from %s; first OK %d ms after the kill%n",
                    acknowledged.size(), newPrimary.name(), gapMillis);
            assertThat(lost).as("acknowledged SETs missing on the new primary").isEmpty();

            // the counter: no acknowledged INCR lost, none applied twice, no two replies alike
            List<Long> replies = List.copyOf(counter.replies);
            long counted;
            try (Jedis reader = new Jedis(HOST, newPrimary.respPort())) {
                counted = Long.parseLong(reader.get("counter"));
            }
            System.out.printf("counter: %d INCRs answered, %d failed, value %d%n", replies.size(),
                    counter.failedAttempts.get(), counted);
            assertThat(replies).as("INCR replies").doesNotHaveDuplicates().isNotEmpty();
            assertThat(counted).isGreaterThanOrEqualTo(replies.stream().mapToLong(Long::longValue).max().orElseThrow());
            assertThat(counted).isLessThanOrEqualTo(replies.size() + counter.failedAttempts.get());
        }
    }
}
