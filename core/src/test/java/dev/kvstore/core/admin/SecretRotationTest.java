package dev.kvstore.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretRotationTest {

    private final SecretRotation rotation = new SecretRotation("old", "new");

    @Test
    void the_new_secret_is_accepted_everywhere_then_signed_with_then_the_old_one_dropped() {
        ClusterSecrets written = ClusterSecrets.of("old");

        written = rotation.after(written);
        assertThat(written.all()).containsExactly("old", "new");
        written = rotation.after(written);
        assertThat(written.all()).containsExactly("new", "old");
        written = rotation.after(written);
        assertThat(written.all()).containsExactly("new");
        assertThat(rotation.doneAt(written)).isTrue();
        assertThat(rotation.after(written)).isNull();
    }

    @Test
    void at_no_step_does_a_store_one_step_behind_refuse_what_a_store_one_step_ahead_signs_with() {
        List<ClusterSecrets> values = new java.util.ArrayList<>(List.of(ClusterSecrets.of("old")));
        values.addAll(rotation.steps());
        for (int i = 1; i < values.size(); i++) {
            ClusterSecrets behind = values.get(i - 1);
            ClusterSecrets ahead = values.get(i);
            assertThat(behind.all()).as("%s holds what %s signs with", behind, ahead).contains(ahead.signing());
            assertThat(ahead.all()).as("%s holds what %s signs with", ahead, behind).contains(behind.signing());
        }
    }

    @Test
    void a_store_that_reports_another_value_or_none_holds_it_back() {
        ClusterSecrets written = ClusterSecrets.of("old", "new");
        Map<String, List<String>> reported = new LinkedHashMap<>();
        reported.put("kv-0", written.fingerprints());
        reported.put("kv-2", ClusterSecrets.of("old").fingerprints());
        reported.put("kv-1", null);

        assertThat(SecretRotation.notHolding(written, reported)).containsExactly("kv-1", "kv-2");
        reported.put("kv-1", written.fingerprints());
        reported.put("kv-2", written.fingerprints());
        assertThat(SecretRotation.notHolding(written, reported)).isEmpty();
        // the order matters: the first one is the one signed with
        reported.put("kv-2", ClusterSecrets.of("new", "old").fingerprints());
        assertThat(SecretRotation.notHolding(written, reported)).containsExactly("kv-2");
    }

    @Test
    void a_rotation_under_way_is_found_again_from_the_value_and_the_new_secrets_fingerprint() {
        String to = ClusterSecrets.fingerprint("new");

        assertThat(SecretRotation.underWay(ClusterSecrets.of("old", "new"), to)).isEqualTo(rotation);
        assertThat(SecretRotation.underWay(ClusterSecrets.of("new", "old"), to)).isEqualTo(rotation);
        assertThat(SecretRotation.underWay(ClusterSecrets.of("new"), to)).isNull();
        assertThat(SecretRotation.underWay(ClusterSecrets.of("a", "b"), to)).isNull();
    }

    @Test
    void rotating_to_the_secret_in_use_is_refused() {
        assertThatThrownBy(() -> new SecretRotation("same", "same")).isInstanceOf(IllegalArgumentException.class);
    }
}
