package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogTailTest {

    /** The file the tail mirrors, kept whole beside it: any range the tail says it holds must match it. */
    private final byte[] file = new byte[4 << 20];
    private long fileEnd;
    private final Random random = new Random(42);

    private void append(LogTail tail, int length) {
        for (int i = 0; i < length; i++) {
            file[(int) fileEnd + i] = (byte) random.nextInt();
        }
        // the appended bytes arrive as a buffer over a larger array, positioned at them
        byte[] around = new byte[length + 10];
        System.arraycopy(file, (int) fileEnd, around, 7, length);
        tail.append(fileEnd, ByteBuffer.wrap(around, 7, length));
        fileEnd += length;
    }

    private void assertHoldsTheFile(LogTail tail, long from, long to) {
        assertThat(tail.holds(from, to)).as("holds [%d, %d)", from, to).isTrue();
        ByteBuffer read = tail.read(from, to);
        byte[] bytes = new byte[read.remaining()];
        read.get(bytes);
        assertThat(bytes).isEqualTo(java.util.Arrays.copyOfRange(file, (int) from, (int) to));
    }

    @Test
    void it_grows_by_doubling_up_to_its_largest_size_and_then_drops_the_oldest_bytes() {
        LogTail tail = new LogTail(256 * 1024);
        assertThat(tail.capacity()).isEqualTo(64 * 1024);
        while (fileEnd < 200 * 1024) {
            append(tail, 1000 + random.nextInt(300));
        }
        assertThat(tail.capacity()).isEqualTo(256 * 1024);
        assertHoldsTheFile(tail, 0, fileEnd); // nothing dropped while it could grow
        while (fileEnd < 1024 * 1024) {
            append(tail, 1000 + random.nextInt(300));
        }
        assertThat(tail.capacity()).isEqualTo(256 * 1024);
        assertThat(tail.holds(0, 10)).isFalse();
        assertThat(tail.holds(fileEnd - 256 * 1024 - 1, fileEnd)).isFalse();
        assertHoldsTheFile(tail, fileEnd - 256 * 1024, fileEnd);
        // every range that wraps around the ring's end reads back whole
        for (long from = fileEnd - 256 * 1024; from < fileEnd; from += 4099) {
            assertHoldsTheFile(tail, from, Math.min(fileEnd, from + 5000));
        }
    }

    @Test
    void growing_keeps_every_byte_it_held() {
        LogTail growing = new LogTail(1 << 20);
        while (fileEnd < 60 * 1024) {
            append(growing, 777);
        }
        append(growing, 10_000); // past 64 KiB: grows while its first bytes are still there
        assertThat(growing.capacity()).isEqualTo(128 * 1024);
        assertHoldsTheFile(growing, 0, fileEnd);
    }

    @Test
    void growing_keeps_bytes_that_had_wrapped_around_the_smaller_ring() {
        LogTail tail = new LogTail(1 << 20);
        fileEnd = 60_000; // a log reopened with this many bytes: its tail starts near the 64 KiB ring's end
        tail.restartAt(fileEnd);
        append(tail, 8_000); // across the ring's end (65 536)
        assertHoldsTheFile(tail, 60_000, fileEnd);
        append(tail, 100_000);
        assertThat(tail.capacity()).isEqualTo(128 * 1024);
        assertHoldsTheFile(tail, 60_000, fileEnd);
    }

    @Test
    void a_cut_forgets_what_came_after_it_and_new_bytes_take_its_place() {
        LogTail tail = new LogTail(1 << 20);
        for (int i = 0; i < 50; i++) {
            append(tail, 100);
        }
        tail.cutAt(3000);
        fileEnd = 3000;
        assertThat(tail.holds(2900, 3001)).isFalse();
        assertHoldsTheFile(tail, 0, 3000);
        append(tail, 100); // different bytes at the same positions as before the cut
        assertHoldsTheFile(tail, 2950, 3100);
    }

    @Test
    void a_cut_below_what_it_still_holds_leaves_it_empty_there_and_appends_go_on() {
        LogTail tail = new LogTail(64 * 1024);
        while (fileEnd < 200 * 1024) {
            append(tail, 1000);
        }
        long endBefore = fileEnd;
        tail.cutAt(10_000); // long since dropped from the ring
        assertThat(tail.holds(endBefore - 1000, endBefore)).isFalse();
        fileEnd = 10_000;
        assertThat(tail.holds(9_000, 10_000)).isFalse();
        append(tail, 100);
        assertHoldsTheFile(tail, 10_000, 10_100);
    }

    @Test
    void after_a_compaction_moved_the_positions_down_the_same_bytes_are_found_at_the_new_ones() {
        LogTail tail = new LogTail(64 * 1024);
        while (fileEnd < 150 * 1024) {
            append(tail, 1234);
        }
        long dropped = 100_001; // not a multiple of the ring's size
        byte[] held = java.util.Arrays.copyOfRange(file, (int) (fileEnd - 60_000), (int) fileEnd);
        tail.positionsMovedDown(dropped);
        assertThat(tail.holds(fileEnd - 60_000 - dropped, fileEnd - dropped)).isTrue();
        ByteBuffer read = tail.read(fileEnd - 60_000 - dropped, fileEnd - dropped);
        byte[] bytes = new byte[read.remaining()];
        read.get(bytes);
        assertThat(bytes).isEqualTo(held);
        // and appends go on at the moved end
        System.arraycopy(file, (int) dropped, file, 0, (int) (fileEnd - dropped));
        fileEnd -= dropped;
        append(tail, 5000);
        assertHoldsTheFile(tail, fileEnd - 20_000, fileEnd);
    }

    @Test
    void an_append_elsewhere_than_its_end_or_larger_than_it_holds_leaves_no_unknown_bytes_in_it() {
        LogTail tail = new LogTail(64 * 1024);
        append(tail, 1000);
        fileEnd += 500; // a gap the tail never saw
        append(tail, 1000);
        assertThat(tail.holds(0, 1000)).isFalse();
        assertHoldsTheFile(tail, 1500, 2500);
        append(tail, 70_000);
        assertThat(tail.holds(fileEnd - 1, fileEnd)).isFalse();
        append(tail, 10);
        assertHoldsTheFile(tail, fileEnd - 10, fileEnd);
    }
}
