package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchCodecTest {

    private final List<Mutation> mutations = List.of(Mutation.put("a", "1".getBytes()), Mutation.delete("b"),
            Mutation.put("ключ", new byte[0]));

    @Test
    void a_batch_entry_round_trips_through_the_log_codec_with_its_mutations_in_order() {
        LogEntry entry = LogEntry.batch(3, 9, mutations);
        LogEntry decoded = LogEntryCodec.decode(ByteBuffer.wrap(LogEntryCodec.encode(entry)), 1 << 20);
        assertThat(decoded.op()).isEqualTo(LogEntry.Op.BATCH);
        List<Mutation> back = decoded.mutations();
        assertThat(back).extracting(Mutation::key).containsExactly("a", "b", "ключ");
        assertThat(back.get(0).value()).isEqualTo("1".getBytes());
        assertThat(back.get(1).deletes()).isTrue();
        assertThat(back.get(2).deletes()).as("an empty value is a value, not a delete").isFalse();
        assertThat(LogFormat.needed(decoded.op())).isEqualTo(LogFormat.BATCHES);
    }

    @Test
    void a_plain_entry_is_one_mutation_and_needs_only_the_basic_format() {
        assertThat(LogEntry.put(1, 1, "k", "v".getBytes()).mutations()).extracting(Mutation::key).containsExactly("k");
        assertThat(LogEntry.delete(1, 1, "k").mutations().get(0).deletes()).isTrue();
        assertThat(LogEntry.noop(1, 1).mutations()).isEmpty();
        assertThat(LogFormat.needed(LogEntry.Op.PUT)).isEqualTo(LogFormat.BASIC);
    }

    @Test
    void malformed_batches_are_corrupt_not_misread() {
        byte[] good = BatchCodec.encode(mutations);
        assertThatThrownBy(() -> BatchCodec.decode(java.util.Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(CorruptEntryException.class);
        byte[] extra = java.util.Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> BatchCodec.decode(extra)).isInstanceOf(CorruptEntryException.class)
                .hasMessageContaining("unexpected bytes");
        byte[] huge = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE).putInt(0).array();
        assertThatThrownBy(() -> BatchCodec.decode(huge)).isInstanceOf(CorruptEntryException.class)
                .hasMessageContaining("mutations in 8 bytes");
        byte[] badKind = good.clone();
        badKind[4] = 9;
        assertThatThrownBy(() -> BatchCodec.decode(badKind)).hasMessageContaining("batch mutation of kind 9");
        // checked when the log reads it, not when a state applies it
        LogEntry bad = new LogEntry(1, 1, LogEntry.Op.BATCH, null, extra);
        assertThatThrownBy(() -> LogEntryCodec.decode(ByteBuffer.wrap(LogEntryCodec.encode(bad)), 1 << 20))
                .isInstanceOf(CorruptEntryException.class);
    }
}
