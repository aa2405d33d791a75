package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The central promise: kill -9 the primary while several clients write; the supervisor promotes a
 * secondary, writes resume, and every write that was acknowledged is on the new primary.
 */
class FailoverUnderLoadIT {

    static final int ROUNDS = Integer.getInteger("kv.failover.rounds", 20);

    @Test
    void every_acknowledged_write_survives_repeated_kill_minus_nine_of_the_primary() throws Exception {
        List<Long> failoverMillis = new ArrayList<>();
        try (ClusterFixture fixture = new ClusterFixture("failover", LocalClusterSettings.defaults(3)).start()) {
            for (int round = 1; round <= ROUNDS; round++) {
                fixture.awaitHealthy();
                long epochBefore = fixture.cluster.supervisor().epoch();
                NodeProcess victim = fixture.primary();
                Map<String, KvClient.Ack> acknowledged;
                long killedAt;
                long firstAck;
                try (LoadGenerator load = new LoadGenerator(fixture.cluster.urls(), 8, "r" + round)) {
                    await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > 200);
                    load.watchForEpochAbove(epochBefore);
                    killedAt = System.nanoTime();
                    victim.kill();
                    await().atMost(Duration.ofSeconds(20)).until(() -> load.firstAckNanosInNewEpoch() != 0);
                    firstAck = load.firstAckNanosInNewEpoch();
                    int afterFailover = load.acknowledged.size();
                    await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledged.size() > afterFailover + 100);
                    load.close();
                    acknowledged = Map.copyOf(load.acknowledged);
                }
                long millis = (firstAck - killedAt) / 1_000_000;
                failoverMillis.add(millis);
                NodeProcess newPrimary = fixture.primary();
                assertThat(newPrimary).isNotSameAs(victim);
                assertThat(fixture.cluster.supervisor().epoch()).isGreaterThan(epochBefore);

                List<String> lost = new ArrayList<>();
                for (var entry : acknowledged.entrySet()) {
                    Optional<byte[]> value = fixture.client.get(newPrimary.httpUrl(), entry.getKey()).value();
                    if (value.isEmpty() || !new String(value.get()).equals(new String(LoadGenerator.value(entry.getKey())))) {
                        lost.add(entry.getKey() + " (acked at " + entry.getValue() + ")");
                    }
                }
                System.out.printf("round %d: %s -> %s, %d acknowledged writes checked, first new ack %d ms after kill%n",
                        round, victim.name(), newPrimary.name(), acknowledged.size(), millis);
                assertThat(lost).as("acknowledged writes missing on the new primary in round " + round
                        + "; supervisor said: " + fixture.events).isEmpty();
            }
        }
        List<Long> sorted = failoverMillis.stream().sorted().toList();
        System.out.printf("failover (kill -9 to first acknowledged write) over %d rounds: median %d ms, max %d ms, all %s%n",
                sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), failoverMillis);
    }
}
