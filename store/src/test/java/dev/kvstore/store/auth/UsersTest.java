package dev.kvstore.store.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {

    @TempDir
    Path dir;

    private final java.util.List<String> warnings = new java.util.ArrayList<>();

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void a_user_is_a_file_named_after_it_holding_its_password_without_the_trailing_newline() throws Exception {
        Files.writeString(dir.resolve("default"), "s3cret\n");
        Files.writeString(dir.resolve("reader"), "r3ad");
        Users users = Users.load(dir, Set.of("reader"), warnings::add);

        assertThat(users.required()).isTrue();
        assertThat(users.authenticate("default", bytes("s3cret"))).get()
                .isEqualTo(new Users.User("default", Users.Permission.READWRITE));
        assertThat(users.authenticate("reader", bytes("r3ad"))).get()
                .extracting(Users.User::permission).isEqualTo(Users.Permission.READONLY);
        assertThat(users.authenticate("default", bytes("s3cret\n"))).isEmpty();
        assertThat(users.authenticate("default", bytes("wrong"))).isEmpty();
        assertThat(users.authenticate("nobody", bytes("s3cret"))).isEmpty();
        assertThat(users.authenticate("reader", bytes("s3cret"))).as("another user's password").isEmpty();
    }

    @Test
    void a_mounted_secrets_dot_entries_are_not_users() throws Exception {
        // the shape of a Kubernetes Secret volume: ..data links to a timestamped directory
        Path version = Files.createDirectory(dir.resolve("..2026_12_04_06_30_00.1"));
        Files.writeString(version.resolve("default"), "pw");
        Files.createSymbolicLink(dir.resolve("..data"), version.getFileName());
        Files.createSymbolicLink(dir.resolve("default"), Path.of("..data/default"));
        Users users = Users.load(dir, Set.of(), warnings::add);
        assertThat(users.permissions()).containsOnlyKeys("default");
        assertThat(users.authenticate("default", bytes("pw"))).isPresent();
    }

    @Test
    void a_directory_with_no_usable_user_is_refused_and_a_bad_file_is_left_out_with_a_warning() throws Exception {
        assertThatThrownBy(() -> Users.load(dir, Set.of(), warnings::add)).hasMessageContaining("no usable user");
        Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> Users.load(dir, Set.of(), warnings::add)).hasMessageContaining("no usable user");
        assertThat(warnings).anySatisfy(warning -> assertThat(warning).contains("empty"));
        Files.writeString(dir.resolve("ok"), "x");
        Files.writeString(dir.resolve("-dash"), "x");
        Users users = Users.load(dir, Set.of("ghost"), warnings::add);
        assertThat(users.permissions()).containsOnlyKeys("ok");
        assertThat(warnings).anySatisfy(warning -> assertThat(warning).contains("ghost"))
                .anySatisfy(warning -> assertThat(warning).contains("-dash"));
    }

    @Test
    void without_a_directory_no_one_needs_to_authenticate() {
        assertThat(Users.none().required()).isFalse();
    }

    @Test
    void a_reload_sees_a_changed_password_and_keeps_the_old_users_when_the_directory_turns_invalid() throws Exception {
        Files.writeString(dir.resolve("default"), "old");
        Access access = Access.of(dir, Set.of());
        assertThat(access.reload()).as("nothing changed").isFalse();
        Files.writeString(dir.resolve("default"), "new");
        assertThat(access.reload()).isTrue();
        assertThat(access.authenticate("default", bytes("new"))).isPresent();
        assertThat(access.authenticate("default", bytes("old"))).isEmpty();
        Files.delete(dir.resolve("default"));
        assertThat(access.reload()).isFalse();
        assertThat(access.authenticate("default", bytes("new"))).as("the users read before stay").isPresent();
    }

    @Test
    void a_reload_leaves_out_a_stray_file_and_a_removed_readonly_user_instead_of_freezing_every_change() throws Exception {
        Files.writeString(dir.resolve("default"), "one");
        Files.writeString(dir.resolve("reader"), "r");
        Access access = Access.of(dir, Set.of("reader"));
        Files.delete(dir.resolve("reader"));
        Files.writeString(dir.resolve("bad~name"), "x");
        Files.writeString(dir.resolve("default"), "two");
        assertThat(access.reload()).isTrue();
        assertThat(access.authenticate("default", bytes("two"))).isPresent();
        assertThat(access.users().permissions()).containsOnlyKeys("default");
    }

    @Test
    void a_user_may_have_several_passwords_one_a_line_so_that_a_password_is_rotated_without_cutting_anyone_off()
            throws Exception {
        Files.writeString(dir.resolve("app"), "old-one\n");
        Users before = Users.load(dir, Set.of(), warnings::add);
        Users.SignIn withOld = before.signIn("app", bytes("old-one")).orElseThrow();

        // step 1: the new password is added beside the old one; both sign in, connections stay
        Files.writeString(dir.resolve("app"), "old-one\r\n\nnew-one\n");
        Users both = Users.load(dir, Set.of(), warnings::add);
        assertThat(both.authenticate("app", bytes("old-one"))).isPresent();
        assertThat(both.authenticate("app", bytes("new-one"))).isPresent();
        assertThat(both.authenticate("app", bytes("old-one\nnew-one"))).as("the file's whole text").isEmpty();
        assertThat(both.stillHolds(withOld)).isTrue();
        Users.SignIn withNew = both.signIn("app", bytes("new-one")).orElseThrow();

        // step 2, once every client uses the new one: the old one is removed, and so are its connections
        Files.writeString(dir.resolve("app"), "new-one\n");
        Users after = Users.load(dir, Set.of(), warnings::add);
        assertThat(after.authenticate("app", bytes("old-one"))).isEmpty();
        assertThat(after.stillHolds(withOld)).isFalse();
        assertThat(after.stillHolds(withNew)).isTrue();
        assertThat(warnings).isEmpty();
    }

    @Test
    void a_sign_in_still_holds_only_while_the_user_keeps_its_password_and_permission() throws Exception {
        Files.writeString(dir.resolve("default"), "one");
        Files.writeString(dir.resolve("app"), "app");
        Users before = Users.load(dir, Set.of(), warnings::add);
        Users.SignIn app = before.signIn("app", bytes("app")).orElseThrow();
        assertThat(Users.load(dir, Set.of(), warnings::add).stillHolds(app)).isTrue();
        assertThat(Users.load(dir, Set.of("app"), warnings::add).stillHolds(app)).as("now read-only").isFalse();
        Files.writeString(dir.resolve("app"), "changed");
        assertThat(Users.load(dir, Set.of(), warnings::add).stillHolds(app)).as("password changed").isFalse();
        Files.delete(dir.resolve("app"));
        assertThat(Users.load(dir, Set.of(), warnings::add).stillHolds(app)).as("removed").isFalse();
    }

    @Test
    void basic_credentials_are_read_from_the_header_and_anything_else_is_none() {
        String header = "Basic " + java.util.Base64.getEncoder().encodeToString(bytes("app:pa:ss"));
        BasicCredentials credentials = BasicCredentials.parse(header);
        assertThat(credentials.user()).isEqualTo("app");
        assertThat(credentials.password()).isEqualTo(bytes("pa:ss"));
        assertThat(BasicCredentials.parse(null)).isNull();
        assertThat(BasicCredentials.parse("Bearer abc")).isNull();
        assertThat(BasicCredentials.parse("Basic !!!")).isNull();
        assertThat(BasicCredentials.parse("Basic " + java.util.Base64.getEncoder().encodeToString(bytes("nocolon")))).isNull();
    }
}
