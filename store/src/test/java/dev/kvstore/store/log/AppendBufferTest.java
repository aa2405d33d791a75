package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            int start = at;
            buffer.append(length, room -> {
                assertThat(room.remaining()).isEqualTo(length);
                for (int i = 0; i < length; i++) {
                    byte b = (byte) (start + i);
                    room.put(b);
                    expected[start + i] = b;
                }
            });
            at += length;
            assertThat(bytesOf(buffer.last(length))).isEqualTo(java.util.Arrays.copyOfRange(expected, start, at));
        }
        assertThat(buffer.size()).isEqualTo(expected.length);
        assertThat(bytesOf(buffer.contents())).isEqualTo(expected);
    }

    @Test
    void an_entry_encoded_into_its_room_leaves_the_bytes_before_it_alone() {
        AppendBuffer buffer = new AppendBuffer();
        buffer.append(3, room -> room.put(new byte[]{1, 2, 3}));
        LogEntry entry = LogEntry.put(2, 7, "key", "value".getBytes());
        buffer.append(LogEntryCodec.encodedSize(entry), room -> LogEntryCodec.encode(entry, room));
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
        buffer.append(4 * 1024 * 1024, room -> room.position(room.limit()));
        buffer.clear();
        assertThat(buffer.size()).isZero();
        assertThat(buffer.contents().remaining()).isZero();
        assertThat(buffer.capacity()).isEqualTo(AppendBuffer.USUAL_BYTES);
        byte[] usual = buffer.contents().array();
        buffer.append(10, room -> room.position(room.limit()));
        buffer.clear();
        assertThat(buffer.contents().array()).as("the usual array is reused").isSameAs(usual);
    }

    @Test
    void a_fill_that_throws_appends_nothing_so_no_stale_bytes_reach_the_file() {
        AppendBuffer buffer = new AppendBuffer();
        buffer.append(2, room -> room.put(new byte[]{1, 2}));
        assertThatThrownBy(() -> buffer.append(5, room -> {
            room.put((byte) 9);
            throw new IllegalStateException("encoding failed");
        })).hasMessage("encoding failed");
        assertThat(buffer.size()).isEqualTo(2);
        assertThat(bytesOf(buffer.contents())).containsExactly(1, 2);
        buffer.append(1, room -> room.put((byte) 3));
        assertThat(bytesOf(buffer.contents())).containsExactly(1, 2, 3);
    }

    @Test
    void a_fill_that_writes_less_than_its_room_is_refused_and_appends_nothing() {
        AppendBuffer buffer = new AppendBuffer();
        assertThatThrownBy(() -> buffer.append(4, room -> room.put((byte) 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("filled 1 of 4");
        assertThat(buffer.size()).isZero();
    }

    @Test
    void each_append_gets_exactly_its_own_room_and_the_last_bytes_are_those_just_appended_after_a_clear_too() {
        AppendBuffer buffer = new AppendBuffer();
        buffer.append(2, room -> {
            assertThat(room.position()).isZero();
            assertThat(room.remaining()).isEqualTo(2);
            room.put(new byte[]{1, 2});
        });
        buffer.append(3, room -> {
            assertThat(room.remaining()).isEqualTo(3);
            room.put(new byte[]{3, 4, 5});
        });
        assertThat(bytesOf(buffer.last(3))).containsExactly(3, 4, 5);
        assertThat(bytesOf(buffer.last(5))).containsExactly(1, 2, 3, 4, 5);
        buffer.append(4 * 1024 * 1024, room -> room.position(room.limit())); // grown past what a clear keeps
        buffer.clear();
        buffer.append(1, room -> room.put((byte) 9));
        assertThat(bytesOf(buffer.last(1))).containsExactly(9);
        assertThat(bytesOf(buffer.contents())).containsExactly(9);
    }
}
