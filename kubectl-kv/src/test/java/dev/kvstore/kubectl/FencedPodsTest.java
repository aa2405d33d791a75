package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The annotation kubectl kv fence and unfence edit: one pod added or taken out, anything else refused. */
class FencedPodsTest {

    @Test
    void fencing_adds_the_pod_once_and_keeps_the_others() {
        assertThat(FencedPods.edited(null, "kv-2", true)).isEqualTo("[\"kv-2\"]");
        assertThat(FencedPods.edited("[\"kv-2\"]", "kv-0", true)).isEqualTo("[\"kv-0\",\"kv-2\"]");
        assertThat(FencedPods.edited("[\"kv-2\"]", "kv-2", true)).isEqualTo("[\"kv-2\"]");
    }

    @Test
    void unfencing_takes_the_pod_out_and_the_annotation_goes_with_the_last_one() {
        assertThat(FencedPods.edited("[\"kv-0\",\"kv-2\"]", "kv-0", false)).isEqualTo("[\"kv-2\"]");
        assertThat(FencedPods.edited("[\"kv-2\"]", "kv-2", false)).isNull();
        assertThat(FencedPods.edited(null, "kv-2", false)).isNull();
    }

    @Test
    void an_annotation_that_is_not_a_list_of_names_is_refused_not_overwritten() {
        for (String unreadable : new String[] {"kv-2", "{\"kv-2\":1}", "[2]", "[\"kv-2\""}) {
            assertThatThrownBy(() -> FencedPods.edited(unreadable, "kv-1", true)).as(unreadable)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a JSON list of pod names");
        }
    }

    @Test
    void only_a_refusal_of_the_list_as_it_stands_ends_the_wait() {
        // the message as the operator writes it (MaintenanceFencing.refusalOf + " would leave ...")
        java.util.Map<String, Object> refused = java.util.Map.of("type", "Fenced", "reason", "WouldStopWrites",
                "observedGeneration", 3, "message",
                "fencing kv-1, kv-2 would leave 0 secondaries to follow the primary, fewer than minSyncReplicas 1");

        assertThat(FencedPods.refusal(refused, "[\"kv-2\",\"kv-1\"]", 3L)).startsWith("fencing kv-1, kv-2 would leave");
        // said of the list before an edit (kv-2 alone now, or kv-1 and kv-2 and kv-0): not this list's
        assertThat(FencedPods.refusal(refused, "[\"kv-2\"]", 3L)).isNull();
        assertThat(FencedPods.refusal(refused, "[\"kv-0\",\"kv-1\",\"kv-2\"]", 3L)).isNull();
        // said of the spec before a change the operator has not seen yet (minSyncReplicas lowered)
        assertThat(FencedPods.refusal(refused, "[\"kv-2\",\"kv-1\"]", 4L)).isNull();
        // other reasons pass by themselves, or are the user's to fix while the operator goes on
        assertThat(FencedPods.refusal(java.util.Map.of("reason", "Waiting", "observedGeneration", 3, "message",
                "fencing kv-1, kv-2 would leave"), "[\"kv-1\",\"kv-2\"]", 3L)).isNull();
        assertThat(FencedPods.refusal(null, "[\"kv-1\"]", 3L)).isNull();
        assertThat(FencedPods.refusal(refused, "not a list", 3L)).isNull();
    }
}
