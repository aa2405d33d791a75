package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.admin.ClusterSecrets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One pass of a cluster secret rotation, from the Secret's state and what the stores report. */
class SecretRotationPlanTest {

    private static final String NAME = "kv-auth";

    private static SecretRotationPlan.SecretState state(ClusterSecrets written, String rotatedFor, String rotatingTo) {
        return new SecretRotationPlan.SecretState(written, rotatedFor, rotatingTo);
    }

    private static Map<String, List<String>> everyStoreHolds(ClusterSecrets value) {
        Map<String, List<String>> reported = new HashMap<>();
        for (String pod : List.of("kv-0", "kv-1", "kv-2")) {
            reported.put(pod, value.fingerprints());
        }
        return reported;
    }

    private static SecretRotationPlan pass(String request, SecretRotationPlan.SecretState state,
                                           Map<String, List<String>> reported) {
        return SecretRotationPlan.decide(request, true, NAME, state, reported, false, () -> "new");
    }

    @Test
    void a_request_writes_the_new_secret_second_and_remembers_the_request_and_where_it_goes() {
        ClusterSecrets old = ClusterSecrets.of("old");
        SecretRotationPlan plan = pass("2026-12-05", state(old, null, null), everyStoreHolds(old));

        assertThat(plan.write().all()).containsExactly("old", "new");
        assertThat(plan.rotatedFor()).isEqualTo("2026-12-05");
        assertThat(plan.rotatingTo()).isEqualTo(ClusterSecrets.fingerprint("new"));
        assertThat(plan.condition()).isFalse();
        assertThat(plan.reason()).isEqualTo("Rotating");
    }

    @Test
    void each_step_waits_for_every_store_to_hold_the_one_before_and_the_last_one_ends_the_rotation() {
        String to = ClusterSecrets.fingerprint("new");
        ClusterSecrets accepting = ClusterSecrets.of("old", "new");
        Map<String, List<String>> reported = everyStoreHolds(accepting);
        reported.put("kv-1", ClusterSecrets.of("old").fingerprints());

        SecretRotationPlan waiting = pass("r1", state(accepting, "r1", to), reported);
        assertThat(waiting.write()).isNull();
        assertThat(waiting.message()).contains("[kv-1]");
        assertThat(waiting.changesSecret(state(accepting, "r1", to))).isFalse();

        SecretRotationPlan second = pass("r1", state(accepting, "r1", to), everyStoreHolds(accepting));
        assertThat(second.write().all()).containsExactly("new", "old");
        ClusterSecrets signing = second.write();

        SecretRotationPlan third = pass("r1", state(signing, "r1", to), everyStoreHolds(signing));
        assertThat(third.write().all()).containsExactly("new");
        ClusterSecrets done = third.write();

        SecretRotationPlan notYet = pass("r1", state(done, "r1", to), everyStoreHolds(signing));
        assertThat(notYet.rotatingTo()).isEqualTo(to);
        assertThat(notYet.event()).isNull();

        SecretRotationPlan finished = pass("r1", state(done, "r1", to), everyStoreHolds(done));
        assertThat(finished.write()).isNull();
        assertThat(finished.rotatingTo()).isNull();
        assertThat(finished.condition()).isTrue();
        assertThat(finished.event()).contains(to);
        assertThat(finished.changesSecret(state(done, "r1", to))).as("the annotation goes").isTrue();
    }

    @Test
    void the_same_request_once_done_changes_nothing_but_says_rotated_and_a_new_one_rotates_again() {
        ClusterSecrets current = ClusterSecrets.of("new");
        SecretRotationPlan same = pass("r1", state(current, "r1", null), everyStoreHolds(current));
        assertThat(same.changesSecret(state(current, "r1", null))).isFalse();
        // the Secret says done: an operator that stopped after writing it and before the status still reports it
        assertThat(same.condition()).isTrue();
        assertThat(same.reason()).isEqualTo("Rotated");
        assertThat(same.event()).contains(ClusterSecrets.fingerprint("new"));

        SecretRotationPlan again = SecretRotationPlan.decide("r2", true, NAME, state(current, "r1", null),
                everyStoreHolds(current), false, () -> "newer");
        assertThat(again.write().all()).containsExactly("new", "newer");
    }

    @Test
    void a_store_that_does_not_answer_or_reports_nothing_holds_the_beginning_back() {
        ClusterSecrets old = ClusterSecrets.of("old");
        Map<String, List<String>> reported = everyStoreHolds(old);
        reported.put("kv-2", null);

        SecretRotationPlan plan = pass("r1", state(old, null, null), reported);
        assertThat(plan.write()).isNull();
        assertThat(plan.changesSecret(state(old, null, null))).isFalse();
        assertThat(plan.message()).contains("kv-2");
    }

    @Test
    void a_secret_the_spec_names_is_never_written_and_the_condition_says_how_to_rotate_it() {
        ClusterSecrets old = ClusterSecrets.of("old");
        SecretRotationPlan plan = SecretRotationPlan.decide("r1", false, "mine", state(old, null, null),
                everyStoreHolds(old), false, () -> "new");

        assertThat(plan.write()).isNull();
        assertThat(plan.changesSecret(state(old, null, null))).isFalse();
        assertThat(plan.reason()).isEqualTo("NotOperatorSecret");
        assertThat(plan.message()).contains("mine").contains("old,new");
    }

    @Test
    void a_value_changed_by_hand_in_the_middle_stops_the_rotation_with_what_to_do() {
        ClusterSecrets edited = ClusterSecrets.of("x", "y");
        SecretRotationPlan plan = pass("r1", state(edited, "r1", ClusterSecrets.fingerprint("new")),
                everyStoreHolds(edited));

        assertThat(plan.write()).isNull();
        assertThat(plan.reason()).isEqualTo("RotationStuck");
        assertThat(plan.message()).contains(SecretRotationPlan.ROTATING_TO);
    }

    @Test
    void a_rotation_does_not_begin_while_an_update_rolls_since_a_store_of_a_release_before_reads_two_secrets_as_one() {
        ClusterSecrets old = ClusterSecrets.of("old");
        SecretRotationPlan plan = SecretRotationPlan.decide("r1", true, NAME, state(old, null, null), everyStoreHolds(old),
                true, () -> "new");

        assertThat(plan.write()).isNull();
        assertThat(plan.changesSecret(state(old, null, null))).isFalse();
        assertThat(plan.condition()).isFalse();
        assertThat(plan.message()).contains("update");
    }

    @Test
    void every_store_the_cluster_should_have_reports_and_one_absent_or_terminating_holds_the_rotation_back() {
        Map<String, List<String>> answered = Map.of("kv-0", List.of("aaa"), "kv-1", List.of("aaa"), "kv-3", List.of("aaa"));

        // kv-2 absent (being made again), kv-3 terminating (scaled away) though it answered
        Map<String, List<String>> reported = SecretRotationPlan.reports("kv", 3, List.of("kv-0", "kv-1"), answered);

        assertThat(reported).containsOnlyKeys("kv-0", "kv-1", "kv-2");
        assertThat(reported.get("kv-2")).isNull();
        assertThat(SecretRotationPlan.reports("kv", 2, List.of("kv-0", "kv-1", "kv-3"), answered))
                .as("a pod beyond the replicas that still runs counts too").containsOnlyKeys("kv-0", "kv-1", "kv-3");
        assertThat(SecretRotationPlan.reports("kv", 0, List.of(), Map.of())).isEmpty();
    }
}
