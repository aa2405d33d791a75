package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterObjectsTest {

    private static ClusterObjects.Refusal budget(int code, String message) {
        return new ClusterObjects.Refusal("PodDisruptionBudget", "kv-primary", code, "Invalid", message);
    }

    @Test
    void the_same_refusal_in_other_words_is_the_same_to_tell() {
        // the API server prints the spec it refused with Go pointers, new at every answer
        var first = new ClusterObjects.Outcome(List.of(budget(422, "spec: Invalid value: (0xc046c6f5e0): both set")));
        var second = new ClusterObjects.Outcome(List.of(budget(422, "spec: Invalid value: (0xc0470aa120): both set")));

        assertThat(first.lastingKey()).isEqualTo(second.lastingKey()).isNotEmpty();
        assertThat(first.message()).isEqualTo("PodDisruptionBudget kv-primary: spec: Invalid value: (0xc046c6f5e0): both set");
        assertThat(first.allApplied()).isFalse();
        assertThat(first.refusedKind("PodDisruptionBudget")).isTrue();
        assertThat(first.refusedKind("NetworkPolicy")).isFalse();
    }

    @Test
    void a_moments_trouble_is_reported_but_not_told_as_lasting() {
        for (int code : new int[] {0, 409, 429, 500, 503}) {
            assertThat(new ClusterObjects.Outcome(List.of(budget(code, "try again"))).lastingKey()).as("code " + code).isEmpty();
        }
        assertThat(new ClusterObjects.Outcome(List.of(budget(403, "forbidden"))).lastingKey()).isNotEmpty();
    }

    @Test
    void nothing_refused_says_so() {
        var outcome = new ClusterObjects.Outcome(List.of());

        assertThat(outcome.allApplied()).isTrue();
        assertThat(outcome.message()).isEqualTo("every object of the cluster is applied");
        assertThat(outcome.lastingKey()).isEmpty();
    }
}
