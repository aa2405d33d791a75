package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kubectl kv status: the operator's view of the cluster joined with the pods', as a table. */
class StatusTableTest {

    private static final Map<String, Object> STATUS = Map.of(
            "phase", "Ready", "primary", "kv-1", "epoch", 4,
            "instances", List.of(
                    Map.of("name", "kv-0", "role", "secondary", "ready", true, "epoch", 4, "offset", 120, "lag", 0),
                    Map.of("name", "kv-1", "role", "primary", "ready", true, "epoch", 4, "offset", 120, "lag", 0)),
            "lastFailovers", List.of(Map.of("time", "2026-12-05T17:00:00Z", "from", "kv-0", "to", "kv-1",
                    "reason", "pod deleted", "epoch", 4, "durationMillis", 850, "possiblyLossy", false)),
            "conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "AllStoresReady", "message", "3 of 3")));

    private static final List<ClusterView.PodFacts> PODS = List.of(
            new ClusterView.PodFacts("kv-1", "Running", 0, "node-a", "primary"),
            new ClusterView.PodFacts("kv-0", "Running", 2, "node-b", "secondary"),
            new ClusterView.PodFacts("kv-2", "Pending", 0, "", null));

    @Test
    void every_pod_appears_once_by_ordinal_with_what_the_operator_and_kubernetes_say() {
        ClusterView view = ClusterView.of("kv", "apps", STATUS, PODS);

        assertThat(view.members()).extracting(ClusterView.Member::pod).containsExactly("kv-0", "kv-1", "kv-2");
        assertThat(view.members().get(0)).isEqualTo(new ClusterView.Member("kv-0", "secondary", true, 4, 120, 0,
                "Running", 2, "node-b"));
        assertThat(view.members().get(2).ready()).as("a pod the operator has not reported on").isFalse();
    }

    @Test
    void the_table_says_the_primary_each_store_and_the_last_failover_in_plain_text_when_piped() {
        String text = new StatusTable(false).render(ClusterView.of("kv", "apps", STATUS, PODS));

        assertThat(text).startsWith("Cluster kv (namespace apps): Ready, primary kv-1, epoch 4\n");
        assertThat(text).contains("POD   ROLE       READY  EPOCH  OFFSET  LAG  POD PHASE  RESTARTS  NODE\n")
                .contains("kv-1  primary    yes    4      120     0    Running    0         node-a\n")
                .contains("kv-2  unknown    no     0      0       0    Pending    0\n")
                .contains("2026-12-05T17:00:00Z  kv-0  kv-1  4      850 ms  pod deleted")
                .contains("Ready  True    AllStoresReady  3 of 3");
        assertThat(text).doesNotContain("\u001b[");
    }

    @Test
    void on_a_terminal_the_primary_and_readiness_are_coloured() {
        String text = new StatusTable(true).render(ClusterView.of("kv", "apps", STATUS, PODS));

        assertThat(text).contains("\u001b[32mprimary\u001b[0m").contains("\u001b[31mno\u001b[0m");
    }

    @Test
    void a_cluster_without_status_yet_says_so() {
        String text = new StatusTable(false).render(ClusterView.of("kv", "apps", null, List.of()));

        assertThat(text).startsWith("Cluster kv (namespace apps): no status yet, primary none, epoch 0");
    }
}
