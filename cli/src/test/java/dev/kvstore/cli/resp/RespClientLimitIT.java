package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/** kv.max-clients: past it a new connection is told, in Redis's words, and the others keep working. */
class RespClientLimitIT {

    private static final int MAX_CLIENTS = 32;

    @Test
    void the_connection_past_maxclients_is_refused_and_one_closing_makes_room() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("resp-limit",
                LocalClusterSettings.defaults(3).with("kv.max-clients", Integer.toString(MAX_CLIENTS))).start()) {
            NodeProcess primary = fixture.primary();
            List<Jedis> clients = new ArrayList<>();
            try {
                for (int i = 0; i < MAX_CLIENTS; i++) {
                    Jedis jedis = new Jedis("127.0.0.1", primary.respPort());
                    assertThat(jedis.ping()).isEqualTo("PONG");
                    clients.add(jedis);
                }
                try (Jedis oneTooMany = new Jedis("127.0.0.1", primary.respPort())) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(oneTooMany::ping)
                            .isInstanceOf(JedisException.class)
                            .hasMessageContaining("ERR max number of clients reached");
                }
                assertThat(StoreMetrics.of(primary.managementUrl()).value("kv_resp_rejected_connections_total")).isEqualTo(1);
                // the ones inside still work
                assertThat(clients.get(0).set("inside", "yes")).isEqualTo("OK");
                clients.remove(0).close();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    try (Jedis again = new Jedis("127.0.0.1", primary.respPort())) {
                        assertThat(again.get("inside")).isEqualTo("yes");
                    }
                });
            } finally {
                clients.forEach(Jedis::close);
            }
        }
    }
}
