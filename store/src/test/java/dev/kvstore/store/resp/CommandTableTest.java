package dev.kvstore.store.resp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CommandTableTest {

    private static final CommandHandler NOTHING = (session, args, out) -> null;

    private final CommandTable table = new CommandTable()
            .add("get", 2, Set.of("readonly"), NOTHING)
            .add("set", -3, Set.of("write"), NOTHING)
            .add("del", -2, Set.of("write"), NOTHING)
            .add("getdel", 2, Set.of("write"), NOTHING);

    private Command find(String sent) {
        return table.find(sent.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_name_is_found_in_any_case_of_its_letters_among_others_of_its_length() {
        assertThat(find("get").name()).isEqualTo("get");
        assertThat(find("SET").name()).isEqualTo("set");
        assertThat(find("dEl").name()).isEqualTo("del");
        assertThat(find("GetDel").name()).isEqualTo("getdel");
    }

    @Test
    void names_it_does_not_hold_are_not_found() {
        assertThat(find("gets")).isNull();
        assertThat(find("ge")).isNull();
        assertThat(find("")).isNull();
        assertThat(find("a-name-longer-than-any-command")).isNull();
        assertThat(table.find(new byte[] {'g', (byte) 0xC5, 't'})).isNull(); // not ASCII: 0xC5 masked by 0x5F is 'E'
    }

    @Test
    void only_the_letters_a_to_z_are_folded() {
        CommandTable punctuated = new CommandTable().add("client|id", 2, Set.of(), NOTHING);
        assertThat(punctuated.find("CLIENT|ID".getBytes(StandardCharsets.UTF_8)).name()).isEqualTo("client|id");
        assertThat(punctuated.find("CLIENT\\ID".getBytes(StandardCharsets.UTF_8))).isNull(); // '\\' is '|' - 32: folding every byte would match it
    }
}
