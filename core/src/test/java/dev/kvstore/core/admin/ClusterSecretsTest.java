package dev.kvstore.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClusterSecretsTest {

    @Test
    void a_value_holds_one_secret_a_line_and_the_first_signs() {
        ClusterSecrets secrets = ClusterSecrets.parse("new\r\n\nold\n");

        assertThat(secrets.all()).containsExactly("new", "old");
        assertThat(secrets.signing()).isEqualTo("new");
        assertThat(ClusterSecrets.parse(secrets.text())).isEqualTo(secrets);
    }

    @Test
    void a_single_secret_written_with_or_without_a_newline_is_the_same_secret() {
        assertThat(ClusterSecrets.parse("abc")).isEqualTo(ClusterSecrets.parse("abc\n")).isEqualTo(ClusterSecrets.of("abc"));
    }

    @Test
    void an_empty_value_is_refused_with_what_was_expected() {
        assertThatThrownBy(() -> ClusterSecrets.parse(" \n\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one a line");
        assertThatThrownBy(() -> ClusterSecrets.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fingerprints_tell_secrets_apart_in_order_and_never_show_them() {
        ClusterSecrets secrets = ClusterSecrets.of("new-secret", "old-secret");

        assertThat(secrets.fingerprints()).hasSize(2).doesNotHaveDuplicates()
                .allSatisfy(f -> assertThat(f).hasSize(12).doesNotContain("secret"));
        assertThat(secrets.fingerprints().get(0)).isEqualTo(ClusterSecrets.fingerprint("new-secret"));
        assertThat(secrets.toString()).doesNotContain("new-secret").doesNotContain("old-secret");
    }
}
