package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class AppendBufferTest {

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    @Test
    void what_is_appended_comes_back_in_order_also_across_growth() {
        AppendBuffer buffer = new AppendBuffer();
        byte[] expected = new byte[3 * AppendBuffer.USUAL_BYTES + 5];
        int at = 0;
        for (int length : new int[]{5, AppendBuffer.USUAL_BYTES, 2 * AppendBuffer.USUAL_BYTES}) {
            ByteBuffer room = buffer.append(length);
            assertThat(room.remaining()).isEqualTo(length);
            for (int i = 0; i < length; i++) {
                byte b = (byte) (at + i);
                room.put(b);
                expected[at + i] = b;
            }
            at += length;
        }
        assertThat(buffer.size()).isEqualTo(expected.length);
        assertThat(bytesOf(buffer.contents())).isEqualTo(expected);
    }

    @Test
    void an_entry_encoded_into_its_room_leaves_the_bytes_before_it_alone() {
        AppendBuffer buffer = new AppendBuffer();
        buffer.append(3).put(new byte[]{1, 2, 3});
        LogEntry entry = LogEntry.put(2, 7, "key", "value".getBytes());
        LogEntryCodec.encode(entry, buffer.append(LogEntryCodec.encodedSize(entry)));
        ByteBuffer contents = buffer.contents();
        assertThat(new byte[]{contents.get(), contents.get(), contents.get()}).containsExactly(1, 2, 3);
        LogEntry back = LogEntryCodec.decode(contents, 1 << 20);
        assertThat(back.offset()).isEqualTo(7);
        assertThat(back.keyString()).isEqualTo("key");
        assertThat(back.value()).isEqualTo("value".getBytes());
        assertThat(contents.hasRemaining()).isFalse();
    }

    @Test
    void clear_empties_it_and_a_burst_does_not_keep_its_large_array() {
        AppendBuffer buffer = new AppendBuffer();
        buffer.append(4 * 1024 * 1024);
        buffer.clear();
        assertThat(buffer.size()).isZero();
        assertThat(buffer.contents().remaining()).isZero();
        assertThat(buffer.capacity()).isEqualTo(AppendBuffer.USUAL_BYTES);
        buffer.append(10);
        buffer.clear();
        assertThat(buffer.capacity()).as("the usual array is reused").isEqualTo(AppendBuffer.USUAL_BYTES);
    }
}
