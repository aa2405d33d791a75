package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The RESP port against clients that no one here wrote, on their default settings: Jedis and
 * Lettuce in this JVM, redis-cli and redis-py as their own processes, all on a local cluster of
 * real store processes. Each test uses its own key prefix.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClientsIT {

    private static final String HOST = "127.0.0.1";
    private static final int MAX_VALUE_BYTES = 64 * 1024;

    private ClusterFixture fixture;
    private io.lettuce.core.RedisClient lettuce;

    @BeforeAll
    void start() throws Exception {
        fixture = new ClusterFixture("redis-clients",
                LocalClusterSettings.defaults(3).with("kv.max-value-bytes", Integer.toString(MAX_VALUE_BYTES))).start();
        lettuce = io.lettuce.core.RedisClient.create();
    }

    @AfterAll
    void stop() {
        if (lettuce != null) {
            lettuce.shutdown();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private int primaryPort() {
        return fixture.primary().respPort();
    }

    private StatefulRedisConnection<String, String> lettuceTo(int port) {
        return lettuce.connect(io.lettuce.core.RedisURI.create(HOST, port));
    }

    @Test
    void jedis_negotiates_resp3_by_default_and_runs_the_string_commands() {
        try (RedisClient jedis = RedisClient.create(HOST, primaryPort())) {
            String info = new String((byte[]) jedis.sendCommand(redis.clients.jedis.Protocol.Command.CLIENT, "INFO"),
                    StandardCharsets.UTF_8);
            assertThat(info).contains("resp=3", "lib-name=jedis");

            assertThat(jedis.set("jedis:a", "1")).isEqualTo("OK");
            assertThat(jedis.set("jedis:b", "22")).isEqualTo("OK");
            assertThat(jedis.get("jedis:a")).isEqualTo("1");
            assertThat(jedis.get("jedis:missing")).isNull();
            assertThat(jedis.mget("jedis:a", "jedis:missing", "jedis:b")).containsExactly("1", null, "22");
            assertThat(jedis.exists("jedis:a", "jedis:b", "jedis:missing")).isEqualTo(2);
            assertThat(jedis.exists("jedis:a")).isTrue();
            assertThat(jedis.strlen("jedis:b")).isEqualTo(2);
            assertThat(jedis.type("jedis:a")).isEqualTo("string");
            assertThat(jedis.type("jedis:missing")).isEqualTo("none");
            assertThat(jedis.keys("jedis:*")).containsExactlyInAnyOrder("jedis:a", "jedis:b");
            assertThat(jedis.dbSize()).isGreaterThanOrEqualTo(2);

            Set<String> scanned = new HashSet<>();
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match("jedis:*").count(1));
                scanned.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertThat(scanned).containsExactlyInAnyOrder("jedis:a", "jedis:b");

            assertThat(jedis.del("jedis:a")).isEqualTo(1);
            assertThat(jedis.del("jedis:a")).isZero();
            assertThat(jedis.unlink("jedis:b")).isEqualTo(1);
            assertThat(jedis.get("jedis:a")).isNull();
            assertThat(jedis.exists("jedis:b")).isFalse();
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.echo("hello")).isEqualTo("hello");

            assertThatThrownBy(() -> jedis.sendCommand(() -> "NOSUCH".getBytes(StandardCharsets.UTF_8), "a", "b"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
        }
    }

    @Test
    void jedis_asked_for_resp3_reads_role_info_config_and_waits_for_both_secondaries() {
        var config = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).build();
        try (Jedis jedis = new Jedis(new HostAndPort(HOST, primaryPort()), config)) {
            assertThat(jedis.clientInfo()).contains("resp=3");
            assertThat(jedis.set("wait:k", "v")).isEqualTo("OK");
            assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
            List<Object> role = jedis.role();
            assertThat(role.get(0)).isIn("master", "master".getBytes(StandardCharsets.UTF_8));
            assertThat(jedis.info("replication")).contains("role:master", "connected_slaves:2");
            assertThat(jedis.configGet("maxclients")).containsEntry("maxclients", "10000");
            // each store's own Redis-protocol port, as a Sentinel-aware client would connect to it
            for (NodeProcess secondary : fixture.secondaries()) {
                assertThat(jedis.info("replication")).contains("ip=127.0.0.1,port=" + secondary.respPort() + ",");
            }
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.info("replication")).contains("master_port:" + primaryPort());
                assertThat(jedis.role().get(2)).isEqualTo((long) primaryPort());
            }
        }
        // the legacy Jedis object asks for nothing and stays on RESP2, as against Redis
        try (Jedis legacy = new Jedis(HOST, primaryPort())) {
            assertThat(legacy.clientInfo()).contains("resp=2");
            assertThat(legacy.set("resp2:k", "two")).isEqualTo("OK");
            assertThat(legacy.get("resp2:k")).isEqualTo("two");
        }
    }

    @Test
    void lettuce_negotiates_resp3_by_default_and_runs_the_string_commands() {
        try (StatefulRedisConnection<String, String> connection = lettuceTo(primaryPort())) {
            RedisCommands<String, String> redis = connection.sync();
            assertThat(redis.clientInfo()).contains("resp=3", "lib-name=Lettuce");
            assertThat(redis.set("lettuce:a", "1")).isEqualTo("OK");
            assertThat(redis.set("lettuce:b", "22")).isEqualTo("OK");
            assertThat(redis.get("lettuce:a")).isEqualTo("1");
            assertThat(redis.get("lettuce:missing")).isNull();
            assertThat(redis.mget("lettuce:a", "lettuce:missing", "lettuce:b")).containsExactly(
                    KeyValue.just("lettuce:a", "1"), KeyValue.empty("lettuce:missing"), KeyValue.just("lettuce:b", "22"));
            assertThat(redis.exists("lettuce:a", "lettuce:b", "lettuce:missing")).isEqualTo(2);
            assertThat(redis.strlen("lettuce:b")).isEqualTo(2);
            assertThat(redis.type("lettuce:a")).isEqualTo("string");
            assertThat(redis.keys("lettuce:*")).containsExactlyInAnyOrder("lettuce:a", "lettuce:b");
            Set<String> scanned = new HashSet<>();
            KeyScanCursor<String> page = redis.scan(ScanArgs.Builder.matches("lettuce:*").limit(1));
            scanned.addAll(page.getKeys());
            while (!page.isFinished()) {
                page = redis.scan(page, ScanArgs.Builder.matches("lettuce:*").limit(1));
                scanned.addAll(page.getKeys());
            }
            assertThat(scanned).containsExactlyInAnyOrder("lettuce:a", "lettuce:b");
            assertThat(redis.waitForReplication(2, 5000)).isEqualTo(2);
            assertThat(redis.info("replication")).contains("role:master", "connected_slaves:2");
            assertThat(redis.role().get(0)).isEqualTo("master");
            assertThat(redis.configGet("maxclients")).containsEntry("maxclients", "10000");
            assertThat(redis.del("lettuce:a")).isEqualTo(1);
            assertThat(redis.del("lettuce:missing")).isZero();
            assertThat(redis.unlink("lettuce:b")).isEqualTo(1);
            assertThat(redis.exists("lettuce:a", "lettuce:b")).isZero();
            assertThat(redis.ping()).isEqualTo("PONG");
            assertThat(redis.dbsize()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void pipelines_of_1000_answer_in_order_with_many_replies_per_socket_write_and_many_writes_per_fsync()
            throws Exception {
        NodeProcess primary = fixture.primary();
        StoreMetrics before = StoreMetrics.of(primary.managementUrl());
        try (Jedis jedis = new Jedis(HOST, primary.respPort())) {
            Pipeline pipeline = jedis.pipelined();
            List<Response<String>> sets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sets.add(pipeline.set("jpipe:" + i, "value-" + i));
            }
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                gets.add(pipeline.get("jpipe:" + i));
            }
            pipeline.sync();
            for (int i = 0; i < 1000; i++) {
                assertThat(sets.get(i).get()).isEqualTo("OK");
                // a read in a pipeline sees the connection's own earlier writes
                assertThat(gets.get(i).get()).isEqualTo("value-" + i);
            }
        }
        try (StatefulRedisConnection<String, String> connection = lettuceTo(primary.respPort())) {
            connection.setAutoFlushCommands(false);
            RedisAsyncCommands<String, String> redis = connection.async();
            List<RedisFuture<String>> sets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sets.add(redis.set("lpipe:" + i, "value-" + i));
            }
            connection.flushCommands();
            for (RedisFuture<String> set : sets) {
                assertThat(set.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            connection.setAutoFlushCommands(true);
            assertThat(redis.get("lpipe:999").get(10, TimeUnit.SECONDS)).isEqualTo("value-999");
        }
        StoreMetrics after = StoreMetrics.of(primary.managementUrl());
        double replies = after.value("kv_resp_commands_total") - before.value("kv_resp_commands_total");
        double socketWrites = after.value("kv_resp_socket_writes_total") - before.value("kv_resp_socket_writes_total");
        double entries = after.value("kv_log_entries_durable_total") - before.value("kv_log_entries_durable_total");
        double fsyncs = after.value("kv_log_fsyncs_total") - before.value("kv_log_fsyncs_total");
        System.out.printf("pipelines: %.0f replies in %.0f socket writes, %.0f entries in %.0f fsyncs%n",
                replies, socketWrites, entries, fsyncs);
        assertThat(replies).isGreaterThanOrEqualTo(3000);
        // a pipeline's writes commit in a few fsyncs; each commit's replies leave in one socket write
        assertThat(replies / socketWrites).as("replies per socket write").isGreaterThan(10.0);
        assertThat(entries).isGreaterThanOrEqualTo(2000);
        // the flusher takes whatever was appended during the previous fsync: how much depends on how
        // the pipeline's bytes arrive, so this bound is loose (seen here: 12 to 130 per fsync)
        assertThat(entries / fsyncs).as("log entries per fsync").isGreaterThan(2.0);
    }

    @Test
    void a_secondary_serves_reads_and_refuses_writes_with_readonly() {
        try (Jedis primary = new Jedis(HOST, primaryPort())) {
            primary.set("replicated:k", "v");
            assertThat(primary.waitReplicas(2, 5000)).isEqualTo(2);
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.get("replicated:k")).isEqualTo("v");
                assertThatThrownBy(() -> jedis.set("on-secondary", "x"))
                        .isInstanceOf(JedisDataException.class)
                        .hasMessage("READONLY You can't write against a read only replica.");
                assertThat(jedis.info("replication")).contains("role:slave", "master_port:");
                assertThat(jedis.get("on-secondary")).isNull();
            }
            try (StatefulRedisConnection<String, String> connection = lettuceTo(secondary.respPort())) {
                assertThatThrownBy(() -> connection.sync().set("on-secondary", "x"))
                        .hasMessageStartingWith("READONLY");
                assertThat(connection.sync().get("replicated:k")).isEqualTo("v");
            }
        }
    }

    @Test
    void oversized_keys_and_values_are_refused_nothing_is_stored_and_the_connection_keeps_serving() {
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            String bigValue = "v".repeat(MAX_VALUE_BYTES + 1);
            assertThatThrownBy(() -> jedis.set("big-value", bigValue))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("exceeds the limit");
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.exists("big-value")).isFalse();

            String bigKey = "k".repeat(1025);
            assertThatThrownBy(() -> jedis.set(bigKey, "v"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessageContaining("kv.max-key-bytes");
            assertThat(jedis.exists(bigKey.substring(0, 1024))).isFalse();
            // a value at the limit is fine
            String atLimit = "v".repeat(MAX_VALUE_BYTES);
            assertThat(jedis.set("at-limit", atLimit)).isEqualTo("OK");
            assertThat(jedis.get("at-limit")).isEqualTo(atLimit);
        }
    }

    @Test
    void redis_cli_speaks_both_protocols_and_pipes_1000_commands() throws Exception {
        int port = primaryPort();
        assertThat(RedisTools.redisCli(port, "SET", "cli:k", "from redis-cli").stdout().trim()).isEqualTo("OK");
        assertThat(RedisTools.redisCli(port, "GET", "cli:k").stdout().trim()).isEqualTo("from redis-cli");
        assertThat(RedisTools.redisCli(port, "CLIENT", "INFO").stdout()).contains("resp=2");
        assertThat(RedisTools.redisCli(port, "-3", "CLIENT", "INFO").stdout()).contains("resp=3");
        assertThat(RedisTools.redisCli(port, "INFO", "replication").stdout()).contains("role:master");
        assertThat(RedisTools.redisCli(port, "NOSUCH", "x").stdout())
                .contains("ERR unknown command 'NOSUCH', with args beginning with: 'x'");

        StringBuilder protocol = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String key = "clipipe:" + i;
            String value = "value-" + i;
            protocol.append("*3\r\n$3\r\nSET\r\n$").append(key.length()).append("\r\n").append(key)
                    .append("\r\n$").append(value.length()).append("\r\n").append(value).append("\r\n");
        }
        RedisTools.Result piped = RedisTools.run(List.of(RedisTools.redisCli(), "-h", HOST, "-p",
                Integer.toString(port), "--pipe"), protocol.toString(), 60);
        assertThat(piped.exitCode()).as(piped.all()).isZero();
        assertThat(piped.stdout()).as(piped.all()).contains("errors: 0, replies: 1000");
        assertThat(RedisTools.redisCli(port, "MGET", "clipipe:0", "clipipe:999").stdout())
                .isEqualTo("value-0\nvalue-999\n");
    }

    @Test
    void redis_py_negotiates_resp3_and_runs_the_commands_and_a_pipeline_of_1000() throws Exception {
        String script = new String(getClass().getResourceAsStream("redis_py_check.py").readAllBytes(),
                StandardCharsets.UTF_8);
        NodeProcess secondary = fixture.secondaries().get(0);
        RedisTools.Result result = RedisTools.run(List.of(RedisTools.redisPy(), "-c", script,
                Integer.toString(primaryPort()), Integer.toString(secondary.respPort())), null, 120);
        assertThat(result.exitCode()).as(result.all()).isZero();
        assertThat(result.stdout()).as(result.all()).contains("resp=3", "read-modify-write: ok", "pipeline of 1000: ok",
                "transactions: ok",
                "all checks passed");
    }

    @Test
    void read_modify_write_commands_answer_as_redis_and_every_store_holds_their_result() {
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            assertThat(jedis.setnx("rmw:nx", "first")).isEqualTo(1);
            assertThat(jedis.setnx("rmw:nx", "second")).isZero();
            assertThat(jedis.set("rmw:nx", "third", redis.clients.jedis.params.SetParams.setParams().nx())).isNull();
            assertThat(jedis.set("rmw:xx", "v", redis.clients.jedis.params.SetParams.setParams().xx())).isNull();
            assertThat(jedis.exists("rmw:xx")).isFalse();
            assertThat(jedis.setGet("rmw:nx", "fourth")).isEqualTo("first");
            assertThat(jedis.getSet("rmw:nx", "fifth")).isEqualTo("fourth");
            assertThat(jedis.incr("rmw:n")).isEqualTo(1);
            assertThat(jedis.incrBy("rmw:n", 41)).isEqualTo(42);
            assertThat(jedis.decr("rmw:n")).isEqualTo(41);
            assertThat(jedis.decrBy("rmw:n", 50)).isEqualTo(-9);
            assertThat(jedis.append("rmw:s", "ab")).isEqualTo(2);
            assertThat(jedis.append("rmw:s", "cd")).isEqualTo(4);
            assertThat(jedis.getDel("rmw:s")).isEqualTo("abcd");
            assertThat(jedis.getDel("rmw:s")).isNull();
            assertThatThrownBy(() -> jedis.incr("rmw:nx")).isInstanceOf(JedisDataException.class)
                    .hasMessage("ERR value is not an integer or out of range");
            jedis.set("rmw:max", Long.toString(Long.MAX_VALUE));
            assertThatThrownBy(() -> jedis.incr("rmw:max")).hasMessage("ERR increment or decrement would overflow");
            assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.get("rmw:nx")).isEqualTo("fifth");
                assertThat(jedis.get("rmw:n")).isEqualTo("-9");
                assertThat(jedis.exists("rmw:s")).isFalse();
                assertThatThrownBy(() -> jedis.incr("rmw:n")).hasMessageStartingWith("READONLY");
            }
        }
    }

    @Test
    void multi_key_writes_are_one_entry_each_and_every_store_holds_all_of_them() {
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            assertThat(jedis.mset("multi:a", "1", "multi:b", "2", "multi:c", "3")).isEqualTo("OK");
            assertThat(jedis.mget("multi:a", "multi:b", "multi:c")).containsExactly("1", "2", "3");
            assertThat(jedis.msetnx("multi:c", "x", "multi:d", "4")).as("one key exists: none is set").isZero();
            assertThat(jedis.exists("multi:d")).isFalse();
            assertThat(jedis.msetnx("multi:d", "4", "multi:e", "5")).isEqualTo(1);
            assertThat(jedis.del("multi:a", "multi:b", "multi:missing")).isEqualTo(2);
            assertThat(jedis.unlink("multi:d", "multi:e")).isEqualTo(2);
            assertThatThrownBy(() -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.MSET, "multi:odd"))
                    .hasMessage("ERR wrong number of arguments for 'mset' command");
            assertThatThrownBy(() -> jedis.mset("multi:ok", "1", "k".repeat(2000), "v"))
                    .hasMessageContaining("key");
            assertThat(jedis.exists("multi:ok")).as("a refused MSET sets no key").isFalse();
            assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.mget("multi:a", "multi:b", "multi:c", "multi:d")).containsExactly(null, null, "3", null);
                assertThatThrownBy(() -> jedis.mset("multi:x", "1", "multi:y", "2")).hasMessageStartingWith("READONLY");
            }
        }
    }

    @Test
    void a_secondary_never_shows_part_of_a_multi_key_write_to_mget_or_a_read_only_transaction() throws Exception {
        String[] keys = new String[200];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "together:" + i;
        }
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Jedis jedis = new Jedis(HOST, primaryPort())) {
                while (writing.get()) {
                    String round = Integer.toString(rounds.incrementAndGet());
                    String[] pairs = new String[keys.length * 2];
                    for (int i = 0; i < keys.length; i++) {
                        pairs[2 * i] = keys[i];
                        pairs[2 * i + 1] = round;
                    }
                    jedis.mset(pairs);
                }
            }
        });
        writer.start();
        try {
            NodeProcess secondary = fixture.secondaries().get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> rounds.get() > 10);
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                int checked = 0;
                while (System.nanoTime() < until) {
                    assertThat(new HashSet<>(jedis.mget(keys))).as("MGET on a secondary, round %d", rounds.get()).hasSize(1);
                    redis.clients.jedis.Transaction transaction = jedis.multi();
                    for (String key : keys) {
                        transaction.get(key);
                    }
                    assertThat(new HashSet<>(transaction.exec())).as("GETs in one EXEC on a secondary").hasSize(1);
                    checked++;
                }
                assertThat(checked).isGreaterThan(20);
            }
        } finally {
            writing.set(false);
            writer.join();
        }
    }

    @Test
    void a_transaction_runs_as_one_and_its_errors_answer_as_redis_answers_them() {
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            jedis.set("tx:n", "10");
            redis.clients.jedis.Transaction tx = jedis.multi();
            tx.incr("tx:n");
            tx.set("tx:s", "text");
            tx.incr("tx:s"); // fails at EXEC: not a number; the others still apply
            tx.get("tx:n");
            tx.mset("tx:a", "1", "tx:b", "2");
            tx.del("tx:a");
            List<Object> replies = tx.exec();
            assertThat(replies).hasSize(6);
            assertThat(replies.get(0)).isEqualTo(11L);
            assertThat(replies.get(1)).isEqualTo("OK");
            assertThat(replies.get(2)).isInstanceOf(JedisDataException.class);
            assertThat(((JedisDataException) replies.get(2)).getMessage())
                    .isEqualTo("ERR value is not an integer or out of range");
            assertThat(replies.get(3)).isEqualTo("11");
            assertThat(replies.get(5)).isEqualTo(1L);
            assertThat(jedis.mget("tx:n", "tx:s", "tx:a", "tx:b")).containsExactly("11", "text", null, "2");

            // a command refused while queueing aborts the whole transaction: nothing of it is applied
            redis.clients.jedis.Transaction aborted = jedis.multi();
            aborted.set("tx:never", "1");
            aborted.sendCommand(() -> "NOSUCH".getBytes(StandardCharsets.UTF_8), "x");
            assertThatThrownBy(aborted::exec).hasMessageContaining("EXECABORT");
            assertThat(jedis.exists("tx:never")).isFalse();

            assertThatThrownBy(() -> jedis.sendCommand(redis.clients.jedis.Protocol.Command.EXEC))
                    .hasMessage("ERR EXEC without MULTI");
            // UNWATCH inside MULTI is queued, as in Redis, not a refusal that aborts the transaction
            redis.clients.jedis.Transaction unwatching = jedis.multi();
            unwatching.set("tx:unwatched", "1");
            unwatching.sendCommand(redis.clients.jedis.Protocol.Command.UNWATCH, new String[0]);
            assertThat(unwatching.exec()).hasSize(2);
            assertThat(jedis.get("tx:unwatched")).isEqualTo("1");
            redis.clients.jedis.Transaction discarded = jedis.multi();
            discarded.set("tx:discarded", "1");
            assertThat(discarded.discard()).isEqualTo("OK");
            assertThat(jedis.exists("tx:discarded")).isFalse();
            assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.mget("tx:n", "tx:s", "tx:a", "tx:b")).containsExactly("11", "text", null, "2");
            }
        }
    }

    @Test
    void a_watched_transaction_that_loses_a_race_applies_nothing_and_its_retry_wins() {
        try (Jedis watcher = new Jedis(HOST, primaryPort()); Jedis rival = new Jedis(HOST, primaryPort())) {
            watcher.set("watch:balance", "100");
            watcher.watch("watch:balance");
            long seen = Long.parseLong(watcher.get("watch:balance"));
            rival.incrBy("watch:balance", 50); // the race: written after the WATCH
            redis.clients.jedis.Transaction lost = watcher.multi();
            lost.set("watch:balance", Long.toString(seen - 30));
            lost.set("watch:log", "withdrew 30");
            assertThat(lost.exec()).as("EXEC of a broken watch answers a null array").isNull();
            assertThat(watcher.get("watch:balance")).isEqualTo("150");
            assertThat(watcher.exists("watch:log")).isFalse();

            watcher.watch("watch:balance");
            seen = Long.parseLong(watcher.get("watch:balance"));
            rival.set("watch:unrelated", "x"); // another key does not break the watch
            redis.clients.jedis.Transaction retry = watcher.multi();
            retry.set("watch:balance", Long.toString(seen - 30));
            retry.set("watch:log", "withdrew 30");
            assertThat(retry.exec()).containsExactly("OK", "OK");
            assertThat(watcher.mget("watch:balance", "watch:log")).containsExactly("120", "withdrew 30");
        }
        try (StatefulRedisConnection<String, String> connection = lettuceTo(primaryPort())) {
            RedisCommands<String, String> sync = connection.sync();
            sync.watch("watch:lettuce");
            try (Jedis rival = new Jedis(HOST, primaryPort())) {
                rival.set("watch:lettuce", "rival");
            }
            sync.multi();
            sync.set("watch:lettuce", "mine");
            assertThat(sync.exec().wasDiscarded()).isTrue();
            assertThat(sync.get("watch:lettuce")).isEqualTo("rival");
        }
    }

    @Test
    void a_watched_key_whose_time_passes_before_exec_aborts_it_even_before_the_expirer_deletes_it() {
        try (Jedis jedis = new Jedis(HOST, primaryPort()); Jedis observer = new Jedis(HOST, primaryPort())) {
            long at = System.currentTimeMillis() + 2000;
            // keys due at the same time that sort first: the expirer (500 keys a round, every 100 ms)
            // deletes the watched one only some rounds after its time has passed
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < 3000; i++) {
                pipeline.set("wexp:a:" + i, "v", redis.clients.jedis.params.SetParams.setParams().pxAt(at));
            }
            pipeline.set("wexp:z", "v", redis.clients.jedis.params.SetParams.setParams().pxAt(at));
            pipeline.sync();
            assertThat(System.currentTimeMillis()).as("the keys were set before their time").isLessThan(at);

            jedis.watch("wexp:z");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> !observer.exists("wexp:z"));
            redis.clients.jedis.Transaction transaction = jedis.multi();
            transaction.set("wexp:z", "new");
            assertThat(transaction.exec()).as("EXEC after the watched key expired").isNull();
            assertThat(jedis.get("wexp:z")).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> observer.keys("wexp:*").isEmpty());
        }
    }

    @Test
    void times_to_live_are_decided_by_the_primary_and_every_store_keeps_the_same_time() {
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            assertThat(jedis.set("ttl:ex", "v", redis.clients.jedis.params.SetParams.setParams().ex(100))).isEqualTo("OK");
            assertThat(jedis.ttl("ttl:ex")).isBetween(99L, 100L);
            assertThat(jedis.pttl("ttl:ex")).isBetween(98_000L, 100_000L);
            assertThat(jedis.ttl("ttl:none")).isEqualTo(-2);
            jedis.set("ttl:plain", "v");
            assertThat(jedis.ttl("ttl:plain")).isEqualTo(-1);
            assertThat(jedis.expire("ttl:plain", 50)).isEqualTo(1);
            assertThat(jedis.ttl("ttl:plain")).isBetween(49L, 50L);
            assertThat(jedis.expire("ttl:plain", 10, redis.clients.jedis.args.ExpiryOption.GT)).isZero();
            assertThat(jedis.expire("ttl:plain", 10, redis.clients.jedis.args.ExpiryOption.LT)).isEqualTo(1);
            assertThat(jedis.persist("ttl:plain")).isEqualTo(1);
            assertThat(jedis.ttl("ttl:plain")).isEqualTo(-1);
            jedis.set("ttl:n", "1", redis.clients.jedis.params.SetParams.setParams().ex(100));
            assertThat(jedis.incr("ttl:n")).isEqualTo(2);
            assertThat(jedis.ttl("ttl:n")).as("INCR keeps the time to live").isPositive();
            jedis.set("ttl:n", "3");
            assertThat(jedis.ttl("ttl:n")).as("a plain SET drops it").isEqualTo(-1);
            jedis.set("ttl:keep", "1", redis.clients.jedis.params.SetParams.setParams().ex(100));
            jedis.set("ttl:keep", "2", redis.clients.jedis.params.SetParams.setParams().keepTtl());
            assertThat(jedis.ttl("ttl:keep")).as("KEEPTTL").isPositive();
            assertThat(jedis.setex("ttl:sx", 100, "v")).isEqualTo("OK");
            assertThat(jedis.getEx("ttl:sx", redis.clients.jedis.params.GetExParams.getExParams().persist())).isEqualTo("v");
            assertThat(jedis.ttl("ttl:sx")).isEqualTo(-1);
            assertThat(jedis.expireTime("ttl:ex")).isBetween(System.currentTimeMillis() / 1000 + 90,
                    System.currentTimeMillis() / 1000 + 101);
            jedis.set("ttl:past", "v");
            assertThat(jedis.expireAt("ttl:past", 1)).as("a time already past deletes").isEqualTo(1);
            assertThat(jedis.exists("ttl:past")).isFalse();
            assertThatThrownBy(() -> jedis.set("ttl:bad", "v", redis.clients.jedis.params.SetParams.setParams().ex(0)))
                    .hasMessage("ERR invalid expire time in 'set' command");
            assertThat(jedis.psetex("ttl:short", 300, "v")).isEqualTo("OK");
            assertThat(jedis.get("ttl:short")).isEqualTo("v");
            assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
            await().atMost(Duration.ofSeconds(5)).until(() -> jedis.get("ttl:short") == null);
        }
        for (NodeProcess secondary : fixture.secondaries()) {
            try (Jedis jedis = new Jedis(HOST, secondary.respPort())) {
                assertThat(jedis.ttl("ttl:ex")).as("the primary's absolute time, on " + secondary.name())
                        .isBetween(90L, 100L);
                assertThat(jedis.ttl("ttl:sx")).isEqualTo(-1);
                await().atMost(Duration.ofSeconds(5)).until(() -> jedis.get("ttl:short") == null);
                assertThatThrownBy(() -> jedis.expire("ttl:ex", 5)).hasMessageStartingWith("READONLY");
            }
        }
    }

    @Test
    void concurrent_incr_from_eight_connections_adds_up_with_no_reply_twice() throws Exception {
        int clients = 8;
        int each = 500;
        java.util.Set<Long> replies = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread thread = new Thread(() -> {
                try (Jedis jedis = new Jedis(HOST, primaryPort())) {
                    for (int i = 0; i < each; i++) {
                        replies.add(jedis.incr("rmw:counter"));
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failures).isEmpty();
        assertThat(replies).hasSize(clients * each);
        try (Jedis jedis = new Jedis(HOST, primaryPort())) {
            assertThat(jedis.get("rmw:counter")).isEqualTo(Integer.toString(clients * each));
        }
    }

    /** A sanity check that the metrics the pipeline test reads move at all. */
    @Test
    void connected_clients_are_counted() throws Exception {
        NodeProcess primary = fixture.primary();
        try (Jedis a = new Jedis(HOST, primary.respPort()); Jedis b = new Jedis(HOST, primary.respPort())) {
            a.ping();
            b.ping();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(StoreMetrics.of(primary.managementUrl()).value("kv_resp_clients")).isGreaterThanOrEqualTo(2));
        }
    }
}
