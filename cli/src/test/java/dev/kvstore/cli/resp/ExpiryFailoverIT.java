package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.SetParams;

/**
 * Times to live survive a failover: they are absolute times that the old primary decided and logged,
 * so the new primary holds the same ones, and its own expirer deletes what comes due (the
 * secondaries only hide it meanwhile).
 */
class ExpiryFailoverIT {

    private static final String HOST = "127.0.0.1";

    @Test
    void a_failover_keeps_every_time_to_live_and_the_new_primary_expires_what_comes_due() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("expiry-failover", LocalClusterSettings.defaults(3)).start()) {
            NodeProcess old = fixture.primary();
            long expireAt;
            try (Jedis jedis = new Jedis(HOST, old.respPort())) {
                jedis.set("long", "v", SetParams.setParams().ex(600));
                // due after the failover (about 1 s here) and the old store's restart, before the test's wait ends
                jedis.set("short", "v", SetParams.setParams().px(8_000));
                jedis.set("forever", "v");
                expireAt = jedis.pexpireTime("long");
                assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
            }
            old.kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> fixture.primary() != null && fixture.primary() != old);
            fixture.awaitHealthy();
            try (Jedis jedis = new Jedis(HOST, fixture.primary().respPort())) {
                assertThat(jedis.pexpireTime("long")).as("the same absolute time on the new primary").isEqualTo(expireAt);
                assertThat(jedis.ttl("forever")).isEqualTo(-1);
                assertThat(jedis.exists("short")).as("not yet due: the new primary must be the one to expire it").isTrue();
                assertThat(jedis.dbSize()).isEqualTo(3);
                // the new primary's expirer deletes "short" with a logged delete: every store drops the key
                await().atMost(Duration.ofSeconds(20)).until(() -> jedis.dbSize() == 2);
                assertThat(jedis.exists("short")).isFalse();
            }
            for (NodeProcess node : fixture.secondaries()) {
                try (Jedis jedis = new Jedis(HOST, node.respPort())) {
                    await().atMost(Duration.ofSeconds(10)).until(() -> jedis.dbSize() == 2);
                    assertThat(jedis.pexpireTime("long")).isEqualTo(expireAt);
                }
            }
        }
    }
}
