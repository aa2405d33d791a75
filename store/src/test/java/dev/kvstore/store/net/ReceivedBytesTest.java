package dev.kvstore.store.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReceivedBytesTest {

    private static byte[] rangeOf(ReceivedBytes bytes) {
        return Arrays.copyOfRange(bytes.array(), bytes.offset(), bytes.offset() + bytes.length());
    }

    @Test
    void a_heap_buffer_read_past_its_start_gives_only_its_unread_bytes() {
        ByteBuf heap = Unpooled.wrappedBuffer(new byte[]{9, 9, 1, 2, 3, 9}, 1, 4); // an array offset of 1
        heap.readerIndex(1);
        ReceivedBytes bytes = ReceivedBytes.of(Buffer.buffer(heap));
        assertThat(rangeOf(bytes)).containsExactly(1, 2, 3);
    }

    @Test
    void a_direct_buffer_is_copied_out() {
        ByteBuf direct = Unpooled.directBuffer(8).writeBytes(new byte[]{9, 4, 5, 6});
        direct.readerIndex(1);
        ReceivedBytes bytes = ReceivedBytes.of(Buffer.buffer(direct));
        assertThat(rangeOf(bytes)).containsExactly(4, 5, 6);
    }

    @Test
    void a_buffer_as_vertx_makes_it_reads_back_whole() {
        ReceivedBytes bytes = ReceivedBytes.of(Buffer.buffer("hello"));
        assertThat(new String(rangeOf(bytes))).isEqualTo("hello");
    }
}
