package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicationIT {

    @Test
    void writes_on_the_primary_are_readable_on_every_secondary() throws Exception {
        try (ClusterFixture fixture = new ClusterFixture("replication", LocalClusterSettings.defaults(3)).start()) {
            Map<String, KvClient.Ack> acks = new LinkedHashMap<>();
            for (int i = 0; i < 300; i++) {
                acks.put("key-" + i, fixture.client.put("key-" + i, ("value-" + i).getBytes(StandardCharsets.UTF_8)));
            }
            fixture.client.delete("key-7");
            assertThat(acks.values()).extracting(KvClient.Ack::offset).doesNotHaveDuplicates();
            assertThat(acks.values()).extracting(KvClient.Ack::epoch).containsOnly(fixture.cluster.supervisor().epoch());

            for (NodeProcess secondary : fixture.secondaries()) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    for (int n = 0; n < 300; n++) {
                        int i = n;
                        KvClient.Read read = fixture.client.get(secondary.httpUrl(), "key-" + i);
                        assertThat(read.role()).isEqualTo("secondary");
                        if (i == 7) {
                            assertThat(read.value()).as("deleted key on " + secondary.name()).isEmpty();
                        } else {
                            assertThat(read.value()).as("key-" + i + " on " + secondary.name())
                                    .hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo("value-" + i));
                        }
                    }
                });
            }
            // a secondary refuses writes and names the primary
            NodeProcess secondary = fixture.secondaries().get(0);
            KvClient direct = new KvClient(java.util.List.of(secondary.httpUrl()), Duration.ofSeconds(2));
            var response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(secondary.httpUrl() + "/v1/kv/x"))
                            .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("y")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(421);
            assertThat(response.headers().firstValue("X-KV-Primary")).contains(fixture.primary().httpUrl());
            assertThat(direct.get(secondary.httpUrl(), "x").value()).isEmpty();
        }
    }
}
