package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTableTest {

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }

    @Test
    void one_aligned_row_a_store_with_what_matters_about_each() throws Exception {
        String table = StatusTable.render(List.of(
                StatusTable.Row.answered("http://127.0.0.1:7100", json("""
                        {"nodeId":"kv-0","role":"primary","epoch":3,"lastOffset":120,"commitOffset":120,"lag":0,
                         "connectedSecondaries":1,"mode":"sync","fenced":false,"diskFailure":null}""")),
                StatusTable.Row.answered("http://127.0.0.1:7101", json("""
                        {"nodeId":"kv-1","role":"secondary","epoch":3,"lastOffset":118,"commitOffset":118,"lag":2,
                         "following":true,"primary":"kv-0","fenced":false,"diskFailure":null}""")),
                StatusTable.Row.unreachable("http://127.0.0.1:7102", "Connection refused")));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("STORE").contains("ROLE").contains("EPOCH").contains("LAG");
        assertThat(lines.get(1)).startsWith("kv-0").contains("primary").contains("1 secondaries connected, sync");
        assertThat(lines.get(2)).startsWith("kv-1").contains("secondary").contains("following kv-0");
        assertThat(lines.get(3)).contains("down: Connection refused").endsWith("http://127.0.0.1:7102");
        // aligned: every column starts at the same place on every line
        int roleColumn = lines.get(0).indexOf("ROLE");
        assertThat(lines.get(1).indexOf("primary")).isEqualTo(roleColumn);
        assertThat(lines.get(2).indexOf("secondary")).isEqualTo(roleColumn);
    }

    @Test
    void a_store_whose_disk_failed_says_so_before_anything_else() throws Exception {
        String table = StatusTable.render(List.of(StatusTable.Row.answered("u", json("""
                {"nodeId":"kv-2","role":"secondary","epoch":3,"lastOffset":1,"commitOffset":1,"lag":0,
                 "following":true,"fenced":false,"diskFailure":"fsync failed"}"""))));
        assertThat(table).contains("disk failed: fsync failed").doesNotContain("following");
    }
}
