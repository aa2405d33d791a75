package dev.kvstore.store.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MemoryEstimateTest {

    @Test
    void the_growth_bound_of_an_ascii_key_is_exactly_what_it_costs_as_a_new_key() {
        byte[] value = new byte[100];
        assertThat(MemoryEstimate.growthBound("key:000123".getBytes(StandardCharsets.US_ASCII), value.length))
                .isEqualTo(MemoryEstimate.of("key:000123", value));
    }

    @Test
    void the_growth_bound_covers_a_key_of_any_bytes_as_the_map_will_hold_it() {
        byte[] value = new byte[10];
        for (String key : new String[]{"clé", "日本", "emoji \uD83D\uDE00"}) {
            assertThat(MemoryEstimate.growthBound(key.getBytes(StandardCharsets.UTF_8), value.length))
                    .as(key).isGreaterThanOrEqualTo(MemoryEstimate.of(key, value));
        }
        // not UTF-8: each bad byte becomes U+FFFD, three bytes in the map's key
        byte[] invalid = {(byte) 0xff, (byte) 0xfe, 'a'};
        String asHeld = new String(invalid, StandardCharsets.UTF_8);
        assertThat(MemoryEstimate.growthBound(invalid, value.length)).isGreaterThanOrEqualTo(MemoryEstimate.of(asHeld, value));
    }

    @Test
    void the_growth_bound_is_at_least_what_any_byte_sequence_adds_to_the_state() {
        java.util.Random random = new java.util.Random(11);
        byte[] value = new byte[20];
        for (int round = 0; round < 20_000; round++) {
            byte[] key = new byte[1 + random.nextInt(12)];
            random.nextBytes(key);
            if (round % 3 == 0) { // also sequences that start like UTF-8: surrogates, truncated and 4-byte forms
                key[0] = (byte) (0xc0 | random.nextInt(0x40));
            }
            KvState state = new KvState();
            long growth = state.growthOf(dev.kvstore.store.log.Mutation.put(new String(key, StandardCharsets.UTF_8), value));
            assertThat(MemoryEstimate.growthBound(key, value.length)).as(java.util.Arrays.toString(key))
                    .isGreaterThanOrEqualTo(growth);
        }
    }
}
