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
    void a_store_fenced_for_maintenance_shows_its_fence_as_its_role() {
        Map<String, Object> status = Map.of("phase", "Ready", "primary", "kv-1", "epoch", 4, "instances", List.of(
                Map.of("name", "kv-0", "role", "none", "ready", false, "epoch", 4, "offset", 90, "lag", -1,
                        "fenced", true),
                Map.of("name", "kv-1", "role", "primary", "ready", true, "epoch", 4, "offset", 120, "lag", 0)));

        ClusterView view = ClusterView.of("kv", "apps", status, PODS);

        assertThat(view.members().get(0).role()).isEqualTo("fenced");
        assertThat(view.members().get(1).role()).isEqualTo("primary");
        assertThat(new StatusTable(false).render(view)).containsPattern("\\nkv-0 +fenced +no +4 +90 ");
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
    void certificates_show_their_expiry_and_days_left_and_the_clusters_newest_backups_come_first() {
        Map<String, Object> status = new java.util.HashMap<>(STATUS);
        status.put("certificates", List.of(
                Map.of("secret", "kv-ca", "notAfter", "2036-12-01T10:00:00Z"),
                Map.of("secret", "kv-tls", "notAfter", "2026-12-20T10:00:00Z")));
        List<Map<String, Object>> backups = new java.util.ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            backups.add(backup("kv-2026120" + i + "000000", "kv", "2026-12-0" + i + "T00:00:00Z",
                    Map.of("phase", "Completed", "completedAt", "2026-12-0" + i + "T00:00:05Z", "store", "kv-0",
                            "keys", 100 * i, "bytes", 4096 * i)));
        }
        backups.add(backup("other-1", "other", "2026-12-08T00:00:00Z", Map.of("phase", "Completed")));
        backups.add(backup("kv-failed", "kv", "2026-12-08T01:00:00Z", Map.of("phase", "Failed",
                "message", "upload refused: 403")));
        backups.add(backup("kv-new", "kv", "2026-12-08T02:00:00Z", null));

        ClusterView view = ClusterView.of("kv", "apps", status, PODS, backups, java.time.Instant.parse("2026-12-06T10:00:00Z"));
        String text = new StatusTable(false).render(view);

        assertThat(view.certificates()).extracting(ClusterView.Certificate::daysLeft).containsExactly(3648L, 14L);
        assertThat(text).contains("SECRET  EXPIRES               DAYS LEFT\n")
                .contains("kv-tls  2026-12-20T10:00:00Z  14\n");
        assertThat(view.backups()).as("this cluster's, newest first, five of them")
                .extracting(ClusterView.Backup::name)
                .containsExactly("kv-new", "kv-failed", "kv-20261207000000", "kv-20261206000000", "kv-20261205000000");
        assertThat(text).contains("kv-new             Pending")
                .contains("kv-failed          Failed")
                .contains("upload refused: 403")
                .contains("kv-20261207000000  Completed  2026-12-07T00:00:05Z  kv-0   700   28672");
        assertThat(new StatusTable(true).render(view)).as("days left under a month, and a failed backup, in red")
                .contains("\u001b[31m14\u001b[0m").contains("\u001b[31mFailed\u001b[0m");
    }

    @Test
    void a_cluster_without_backups_says_none_and_backups_not_listed_say_so() {
        assertThat(new StatusTable(false).render(ClusterView.of("kv", "apps", STATUS, PODS))).contains("\nBackups: none\n");
        assertThat(new StatusTable(false).render(ClusterView.of("kv", "apps", STATUS, PODS, null, java.time.Instant.now())))
                .contains("\nBackups: could not be listed\n");
    }

    private static Map<String, Object> backup(String name, String cluster, String created, Map<String, Object> status) {
        Map<String, Object> object = new java.util.HashMap<>();
        object.put("metadata", Map.of("name", name, "creationTimestamp", created));
        object.put("spec", Map.of("cluster", cluster));
        if (status != null) {
            object.put("status", status);
        }
        return object;
    }

    @Test
    void a_cluster_without_status_yet_says_so() {
        String text = new StatusTable(false).render(ClusterView.of("kv", "apps", null, List.of()));

        assertThat(text).startsWith("Cluster kv (namespace apps): no status yet, primary none, epoch 0");
    }
}
