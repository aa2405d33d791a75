package dev.kvstore.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdminAuthTest {

    private final AdminAuth auth = new AdminAuth("s3cret");
    private final byte[] body = "{\"epoch\":4}".getBytes();

    @Test
    void a_signature_made_with_the_same_secret_verifies() {
        String header = auth.sign("POST", "/v1/admin/promote", body, 1_000_000);
        assertThat(auth.verify(header, "POST", "/v1/admin/promote", body, 1_000_500)).isTrue();
        assertThat(header).doesNotContain("s3cret");
    }

    @Test
    void another_secret_a_changed_body_or_path_or_an_old_signature_is_refused() {
        String header = new AdminAuth("wrong").sign("POST", "/v1/admin/promote", body, 1_000_000);
        assertThat(auth.verify(header, "POST", "/v1/admin/promote", body, 1_000_000)).isFalse();

        String good = auth.sign("POST", "/v1/admin/promote", body, 1_000_000);
        assertThat(auth.verify(good, "POST", "/v1/admin/promote", "{\"epoch\":5}".getBytes(), 1_000_000)).isFalse();
        assertThat(auth.verify(good, "POST", "/v1/admin/follow", body, 1_000_000)).isFalse();
        assertThat(auth.verify(good, "POST", "/v1/admin/promote", body, 1_000_000 + 31_000)).isFalse();
    }

    @Test
    void malformed_headers_are_refused_without_exceptions() {
        for (String header : new String[]{null, "", ":", "abc:def", "12:zz", "12"}) {
            assertThat(auth.verify(header, "GET", "/", body, 12)).as(String.valueOf(header)).isFalse();
        }
    }

    @Test
    void during_a_rotation_either_secret_verifies_and_the_first_one_signs() {
        AdminAuth rotating = new AdminAuth(ClusterSecrets.of("new", "s3cret"));

        String byOld = auth.sign("GET", "/v1/admin/status", body, 1_000);
        String byNew = new AdminAuth("new").sign("GET", "/v1/admin/status", body, 1_000);
        assertThat(rotating.verify(byOld, "GET", "/v1/admin/status", body, 1_000)).isTrue();
        assertThat(rotating.verify(byNew, "GET", "/v1/admin/status", body, 1_000)).isTrue();
        assertThat(rotating.sign("GET", "/v1/admin/status", body, 1_000)).isEqualTo(byNew);
        // once the old one is gone, what it signs is refused
        assertThat(new AdminAuth("new").verify(byOld, "GET", "/v1/admin/status", body, 1_000)).isFalse();
    }
}
