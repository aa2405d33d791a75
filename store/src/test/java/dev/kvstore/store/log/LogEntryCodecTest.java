package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class LogEntryCodecTest {

    @Test
    void an_entry_survives_encoding_and_decoding() {
        LogEntry entry = LogEntry.put(3, 42, "user:7", "hello".getBytes());
        LogEntry back = LogEntryCodec.decode(ByteBuffer.wrap(LogEntryCodec.encode(entry)), 1 << 20);
        assertThat(back.epoch()).isEqualTo(3);
        assertThat(back.offset()).isEqualTo(42);
        assertThat(back.keyString()).isEqualTo("user:7");
        assertThat(back.value()).isEqualTo("hello".getBytes());
    }

    @Test
    void a_flipped_bit_is_caught_by_the_checksum() {
        byte[] bytes = LogEntryCodec.encode(LogEntry.put(1, 1, "k", "v".getBytes()));
        bytes[bytes.length - 1] ^= 1;
        assertThatThrownBy(() -> LogEntryCodec.decode(ByteBuffer.wrap(bytes), 1 << 20))
                .isInstanceOf(CorruptEntryException.class).hasMessageContaining("checksum");
    }

    @Test
    void a_truncated_entry_and_an_absurd_length_are_refused_before_allocating() {
        byte[] bytes = LogEntryCodec.encode(LogEntry.put(1, 1, "k", "v".getBytes()));
        assertThatThrownBy(() -> LogEntryCodec.decode(ByteBuffer.wrap(bytes, 0, bytes.length - 3), 1 << 20))
                .isInstanceOf(CorruptEntryException.class).hasMessageContaining("truncated");
        ByteBuffer huge = ByteBuffer.allocate(16).putInt(Integer.MAX_VALUE).putInt(0).flip();
        assertThatThrownBy(() -> LogEntryCodec.decode(huge, 1 << 20))
                .isInstanceOf(CorruptEntryException.class).hasMessageContaining("outside");
    }
}
