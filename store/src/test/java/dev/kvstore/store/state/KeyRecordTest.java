package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class KeyRecordTest {

    @Property(tries = 500)
    void a_record_made_from_an_ascii_keys_bytes_is_the_one_made_from_the_key(
            @ForAll @CharRange(from = 0, to = 127) @StringLength(max = 64) String key,
            @ForAll byte[] value, @ForAll boolean expires) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        long expiry = expires ? 1_700_000_000_000L : 0;
        assertThat(KeyRecord.isAscii(bytes)).isTrue();
        assertThat(KeyRecord.asciiHash(bytes)).isEqualTo(key.hashCode());
        assertThat(KeyRecord.ofAscii(bytes, expiry, value)).isEqualTo(KeyRecord.of(key, expiry, value));
    }

    @Test
    void a_key_with_any_byte_past_ascii_is_not_ascii() {
        assertThat(KeyRecord.isAscii("caf\u00e9".getBytes(StandardCharsets.UTF_8))).isFalse();
        assertThat(KeyRecord.isAscii(new byte[] {'a', (byte) 0xff, 'b'})).isFalse(); // not even UTF-8
        assertThat(KeyRecord.isAscii(new byte[] {'a', 0x7f, 0})).isTrue();
        assertThat(KeyRecord.isAscii(new byte[0])).isTrue();
    }
}
