package dev.kvstore.store.repl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private final MessageCodec codec = new MessageCodec(1 << 20);

    private byte[] stream(Message... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Message message : messages) {
            out.writeBytes(codec.encode(message));
        }
        return out.toByteArray();
    }

    @Test
    void messages_come_out_whole_however_the_bytes_are_split() {
        byte[] bytes = stream(
                new Message.Challenge(new byte[16], "cluster"),
                new Message.Hello("kv-1", "cluster", new byte[16], new byte[32], 4, 9,
                        EpochHistory.EMPTY.withEntry(1, 1).withEntry(4, 7), 2),
                new Message.Entries(4, 8, 9, 123, List.of(LogEntry.put(4, 8, "k", "v".getBytes()),
                        LogEntry.delete(4, 9, "k"))),
                new Message.Ack(4, 9, 123));
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            FrameDecoder decoder = new FrameDecoder(1 << 20);
            List<Message> out = new ArrayList<>();
            int at = 0;
            while (at < bytes.length) {
                int chunk = Math.min(bytes.length - at, 1 + random.nextInt(12));
                decoder.feed(bytes, at, chunk).forEach(f -> out.add(codec.decode(f)));
                at += chunk;
            }
            assertThat(out).hasSize(4);
            assertThat(decoder.isIdle()).as("nothing left over").isTrue();
            Message.Entries entries = (Message.Entries) out.get(2);
            assertThat(entries.entries()).extracting(LogEntry::offset).containsExactly(8L, 9L);
            assertThat(((Message.Hello) out.get(1)).history().lastEpoch()).isEqualTo(4);
        }
    }

    @Test
    void a_frame_without_payload_comes_out_whether_its_type_byte_arrives_with_its_length_or_after_it() {
        byte[] bytes = stream(new Message.SnapshotEnd(), new Message.Ack(4, 9, 123), new Message.SnapshotEnd());
        for (int split = 0; split <= bytes.length; split++) {
            FrameDecoder decoder = new FrameDecoder(1 << 20);
            List<Message> out = new ArrayList<>();
            decoder.feed(bytes, 0, split).forEach(f -> out.add(codec.decode(f)));
            decoder.feed(bytes, split, bytes.length - split).forEach(f -> out.add(codec.decode(f)));
            assertThat(out).as("split at " + split).containsExactly(new Message.SnapshotEnd(),
                    new Message.Ack(4, 9, 123), new Message.SnapshotEnd());
            assertThat(decoder.isIdle()).isTrue();
        }
    }

    @Test
    void an_entries_frame_encoded_in_place_reads_back_as_the_same_entries() {
        List<LogEntry> entries = List.of(LogEntry.put(4, 8, "k", "v".getBytes()), LogEntry.delete(4, 9, "k"),
                LogEntry.put(4, 10, "big", new byte[70_000]));
        byte[] frame = codec.encode(new Message.Entries(4, 8, 10, 123, entries));
        List<Frame> frames = new FrameDecoder(1 << 20).feed(frame);
        assertThat(frames).hasSize(1);
        Message.Entries back = (Message.Entries) codec.decode(frames.get(0));
        assertThat(back.entries()).extracting(LogEntry::offset).containsExactly(8L, 9L, 10L);
        assertThat(back.entries().get(2).value()).hasSize(70_000);
        assertThat(back.commitOffset()).isEqualTo(8);
    }

    @Test
    void an_absurd_length_fails_at_once_and_the_decoder_stays_failed() {
        FrameDecoder decoder = new FrameDecoder(1024);
        assertThatThrownBy(() -> decoder.feed(new byte[]{0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("outside");
        assertThatThrownBy(() -> decoder.feed(new byte[]{0})).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> new FrameDecoder(1024).feed(new byte[]{0, 0, 0, 0}))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void a_short_or_padded_payload_is_a_protocol_error_not_a_crash() {
        assertThatThrownBy(() -> codec.decode(new Frame((byte) 7, new byte[5])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("too short");
        assertThatThrownBy(() -> codec.decode(new Frame((byte) 7, new byte[30])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unexpected bytes");
        assertThatThrownBy(() -> codec.decode(new Frame((byte) 99, new byte[0])))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("unknown frame type");
    }

    @Test
    void a_hello_claiming_a_huge_history_is_refused_before_allocating() {
        java.nio.ByteBuffer payload = java.nio.ByteBuffer.allocate(2 + 2 + 16 + 32 + 8 + 8 + 4);
        payload.putShort((short) 0).putShort((short) 0).put(new byte[48]).putLong(1).putLong(1).putInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> codec.decode(new Frame((byte) 2, payload.array())))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("does not fit");
    }
}
