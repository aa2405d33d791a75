package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Applying entries: the PUT of an ASCII key takes a path of its own (no String made); every key ends up the same. */
class KvStateApplyTest {

    private final KvState state = new KvState(() -> 1_000L);
    private long offset;

    private void apply(LogEntry.Op op, byte[] key, byte[] value) {
        state.apply(new LogEntry(1, ++offset, op, key, value));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keys_of_every_spelling_are_read_and_scanned_by_the_string_they_decode_to() {
        byte[] notUtf8 = {'k', (byte) 0xff, 'x'};
        apply(LogEntry.Op.PUT, utf8("plain"), utf8("1"));
        apply(LogEntry.Op.PUT, utf8("cl\u00e9"), utf8("2"));
        apply(LogEntry.Op.PUT, notUtf8, utf8("3"));
        String decoded = new String(notUtf8, StandardCharsets.UTF_8); // the replacement character, as before

        assertThat(state.get("plain")).isEqualTo(utf8("1"));
        assertThat(state.get("cl\u00e9")).isEqualTo(utf8("2"));
        assertThat(state.get(decoded)).isEqualTo(utf8("3"));
        assertThat(state.size()).isEqualTo(3);
        assertThat(state.scan(0, 100, key -> true).keys()).containsExactlyInAnyOrder("plain", "cl\u00e9", decoded);

        apply(LogEntry.Op.DELETE, utf8("plain"), null);
        assertThat(state.get("plain")).isNull();
        assertThat(state.size()).isEqualTo(2);
    }

    @Test
    void a_put_ends_the_expiry_a_batch_gave_the_key_and_counts_its_bytes_as_any_put_does() {
        state.apply(LogEntry.batch(1, ++offset, List.of(Mutation.put("session", utf8("old"), 5_000L))));
        assertThat(state.expiresAtMillis("session")).isEqualTo(5_000L);
        assertThat(state.expiringKeys()).isEqualTo(1);

        apply(LogEntry.Op.PUT, utf8("session"), utf8("new"));
        assertThat(state.current("session", 10_000L).bytes()).isEqualTo(utf8("new")); // past the old expiry: still there
        assertThat(state.expiresAtMillis("session")).isZero();
        assertThat(state.expiringKeys()).isZero();

        KvState spelledOut = new KvState(() -> 1_000L);
        spelledOut.apply(LogEntry.batch(1, 1, List.of(Mutation.put("session", utf8("new")))));
        assertThat(state.usedBytes()).isEqualTo(spelledOut.usedBytes());
    }
}
