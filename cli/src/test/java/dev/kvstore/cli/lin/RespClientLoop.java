package dev.kvstore.cli.lin;

import dev.kvstore.cli.local.NodeProcess;
import java.util.List;
import java.util.Random;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A Jedis client recording every operation: SET on the registers, APPEND of a unique suffix, INCR
 * of a counter. APPEND's and INCR's replies are the primary's decision (the new length, the new
 * value), so they count as reads too. On an error reply or a broken connection it moves to the next
 * store. Redis-protocol GETs are not recorded: the reply does not say which role answered it.
 */
final class RespClientLoop implements Runnable {

    private final String name;
    private final List<NodeProcess> stores;
    private final History history;
    private final Workload workload;
    private final Random random;
    private Jedis jedis;
    private int store;
    private int generation;

    RespClientLoop(String name, List<NodeProcess> stores, History history, Workload workload, long seed) {
        this.name = name;
        this.stores = stores;
        this.history = history;
        this.workload = workload;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        try {
            for (long n = 0; workload.running(); n++) {
                if (jedis == null && !connect()) {
                    moveOn();
                    continue;
                }
                if (!operate(n)) {
                    moveOn();
                }
            }
        } finally {
            disconnect();
        }
    }

    private boolean connect() {
        NodeProcess target = stores.get(store);
        try {
            jedis = new Jedis(new HostAndPort(target.host(), target.respPort()), DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(500).socketTimeoutMillis(2_000).build());
            jedis.ping();
            return true;
        } catch (RuntimeException down) {
            disconnect();
            return false;
        }
    }

    /** One operation; false: move to the next store. */
    private boolean operate(long n) {
        NodeProcess target = stores.get(store);
        int kind = random.nextInt(10);
        String key;
        History.Op op;
        if (kind < 4) {
            key = Workload.pick(Workload.REGISTERS, random);
            op = history.invoke(client(), "put", key, name + "-" + n);
        } else if (kind < 7) {
            key = workload.appendKey(random);
            op = history.invoke(client(), "append", key, name + "." + n + ",");
        } else {
            key = Workload.pick(Workload.COUNTERS, random);
            op = history.invoke(client(), "incr", key, null);
        }
        try {
            String result = switch (kind < 4 ? "put" : kind < 7 ? "append" : "incr") {
                case "put" -> {
                    String reply = jedis.set(key, name + "-" + n);
                    if (!"OK".equals(reply)) {
                        throw new IllegalStateException("SET answered " + reply);
                    }
                    yield null;
                }
                case "append" -> Long.toString(jedis.append(key, name + "." + n + ","));
                default -> Long.toString(jedis.incr(key));
            };
            op.ok(result, target.name());
            return true;
        } catch (JedisDataException refused) {
            History.Outcome outcome = Outcomes.ofRespError(refused.getMessage());
            op.end(outcome, null, target.name());
            if (outcome == History.Outcome.UNKNOWN) {
                generation++;
            }
        } catch (JedisConnectionException | IllegalStateException noAnswer) {
            op.unknown(target.name());
            generation++;
        }
        disconnect();
        return false;
    }

    private String client() {
        return name + "#" + generation;
    }

    private void moveOn() {
        store = (store + 1) % stores.size();
        Workload.backOff();
    }

    private void disconnect() {
        if (jedis != null) {
            try {
                jedis.close();
            } catch (RuntimeException ignored) {
                // closing a broken connection
            }
            jedis = null;
        }
    }
}
