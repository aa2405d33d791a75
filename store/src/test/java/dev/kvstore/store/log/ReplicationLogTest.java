package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationLogTest {

    @TempDir
    Path dir;

    @Test
    void entries_are_durable_and_readable_after_reopening() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
            }
            await().until(() -> log.durableOffset() == 100);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(100);
            assertThat(log.read(57, 1).get(0).keyString()).isEqualTo("k56");
            assertThat(log.lastPosition().epoch()).isEqualTo(1);
        }
    }

    @Test
    void a_torn_tail_is_cut_off_on_recovery() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.put(1, 0, "a", "1".getBytes()));
            log.appendNext(LogEntry.put(1, 0, "b", "2".getBytes()));
            await().until(() -> log.durableOffset() == 2);
        }
        Path file = dir.resolve("replication.log");
        long size = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(size - 3); // a crash in the middle of writing the second entry
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(1);
            assertThat(log.appendNext(LogEntry.put(1, 0, "c", "3".getBytes())).offset()).isEqualTo(2);
        }
    }

    @Test
    void an_entry_of_a_kind_this_release_cannot_read_stops_the_open_and_cuts_nothing() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.put(1, 0, "a", "1".getBytes()));
            await().until(() -> log.durableOffset() == 1);
        }
        // a whole entry with a valid checksum, of a kind from a newer release (as a BATCH is to the
        // release before it): not a torn tail, and cutting it would lose a committed write
        java.nio.ByteBuffer future = java.nio.ByteBuffer.wrap(LogEntryCodec.encode(LogEntry.put(1, 2, "b", "2".getBytes())));
        future.put(LogEntryCodec.HEADER_BYTES + 16, (byte) 99);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(future.duplicate().position(LogEntryCodec.HEADER_BYTES));
        future.putInt(4, (int) crc.getValue());
        Path file = dir.resolve("replication.log");
        Files.write(file, future.array(), StandardOpenOption.APPEND);
        long size = Files.size(file);
        assertThatThrownBy(() -> new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("kind 99").hasMessageContaining("newer release");
        assertThat(Files.size(file)).isEqualTo(size);
    }

    @Test
    void truncation_returns_the_cut_suffix_and_history_follows() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendReplicated(List.of(LogEntry.noop(1, 1), LogEntry.put(1, 2, "a", null), LogEntry.noop(2, 3),
                    LogEntry.put(2, 4, "b", null)));
            List<LogEntry> cut = log.truncateAfter(2);
            assertThat(cut).extracting(LogEntry::offset).containsExactly(3L, 4L);
            assertThat(log.history().lastEpoch()).isEqualTo(1);
            assertThat(log.lastOffset()).isEqualTo(2);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(2);
        }
    }

    @Test
    void replicated_entries_must_continue_the_log_and_never_go_back_in_epoch() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendReplicated(List.of(LogEntry.noop(2, 1)));
            assertThatThrownBy(() -> log.appendReplicated(List.of(LogEntry.noop(2, 3))))
                    .hasMessageContaining("does not follow");
            assertThatThrownBy(() -> log.appendReplicated(List.of(LogEntry.noop(1, 2))))
                    .hasMessageContaining("older than epoch");
        }
    }

    /** Entries as values: a decoded entry is a new object, with arrays of its own. */
    private static List<String> described(List<LogEntry> entries) {
        return entries.stream().map(e -> e.epoch() + "/" + e.offset() + " " + e.op() + " " + e.keyString() + "="
                + java.util.Arrays.toString(e.value())).toList();
    }

    @Test
    void entries_read_from_the_newest_bytes_kept_in_memory_are_the_ones_in_the_file_across_cuts_and_compactions()
            throws Exception {
        java.util.Random random = new java.util.Random(7);
        List<String> afterCut;
        List<String> afterCompaction;
        List<String> live;
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 300; i++) {
                byte[] value = new byte[random.nextInt(3000)];
                random.nextBytes(value);
                log.appendNext(LogEntry.put(1, 0, "k" + i, value));
            }
            assertThat(described(log.truncateAfter(200))).hasSize(100).first().asString().startsWith("1/201 PUT k200=");
            assertThat(log.readsFromMemory(200)).isTrue();
            log.forgetRecentEntries(); // what follows reads the newest bytes, not the entries kept as objects
            afterCut = described(log.read(151, 1000));
            for (int i = 0; i < 100; i++) {
                byte[] value = new byte[random.nextInt(3000)];
                random.nextBytes(value);
                log.appendNext(LogEntry.put(2, 0, "other" + i, value));
            }
            await().until(() -> log.durableOffset() == 300);
            log.compactTo(150); // every position moves down: read before anything is appended after it
            assertThat(log.readsFromMemory(151)).isTrue();
            log.forgetRecentEntries();
            afterCompaction = described(log.read(151, 1000));
            log.appendNext(LogEntry.delete(2, 0, "k7"));
            log.forgetRecentEntries();
            live = described(log.read(151, 1000));
            assertThat(log.entriesReadFromFile()).isZero();
            assertThat(live).hasSize(151);
            assertThat(live.get(50)).startsWith("2/201 PUT other0=");
            await().until(() -> log.durableOffset() == 301);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 150,
                EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.readsFromMemory(151)).isFalse(); // reopened: from the file
            List<String> fromFile = described(log.read(151, 1000));
            assertThat(log.entriesReadFromFile()).isEqualTo(151);
            assertThat(fromFile).isEqualTo(live);
            assertThat(afterCompaction).isEqualTo(fromFile.subList(0, 150));
            assertThat(afterCut).isEqualTo(fromFile.subList(0, 50));
        }
    }

    @Test
    void after_a_reset_the_entries_appended_are_read_back_from_memory() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 20; i++) {
                log.appendNext(LogEntry.put(1, 0, "old" + i, ("v" + i).getBytes()));
            }
            log.resetTo(500, EpochHistory.EMPTY.withEntry(1, 1));
            log.appendReplicated(List.of(LogEntry.put(1, 501, "new", "x".getBytes()), LogEntry.delete(1, 502, "old3")));
            assertThat(log.readsFromMemory(501)).isTrue();
            log.forgetRecentEntries();
            assertThat(described(log.read(501, 10))).containsExactly("1/501 PUT new=[120]", "1/502 DELETE old3=[]");
            assertThat(log.entriesReadFromFile()).isZero();
        }
    }

    @Test
    void bytes_in_memory_out_of_step_with_the_positions_are_never_served_the_file_is_read_instead() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            // the first 20 then lie further back than the last appended entries kept as objects: read from the bytes
            int appended = RecentEntries.CAPACITY + 20;
            for (int i = 0; i < appended; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
            }
            List<String> expected = described(log.read(1, 20));
            assertThat(log.entriesReadFromFile()).isZero();
            log.tail().positionsMovedDown(1); // every entry in memory now one byte off
            assertThat(described(log.read(1, 20))).isEqualTo(expected);
            assertThat(log.entriesReadFromFile()).isPositive();
            long fromFile = log.entriesReadFromFile();
            log.appendNext(LogEntry.put(1, 0, "next", "v".getBytes())); // the tail started over: in step again
            assertThat(log.readsFromMemory(appended + 1)).isTrue();
            log.forgetRecentEntries();
            assertThat(described(log.read(appended + 1, 1)))
                    .containsExactly("1/" + (appended + 1) + " PUT next=" + java.util.Arrays.toString("v".getBytes()));
            assertThat(log.entriesReadFromFile()).isEqualTo(fromFile);
        }
    }

    @Test
    void a_durability_listener_that_throws_does_not_stop_the_flusher() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            java.util.List<Long> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
            log.onDurable(offset -> {
                heard.add(offset);
                if (heard.size() == 1) {
                    throw new IllegalStateException("an apply that failed once");
                }
            });
            log.appendNext(LogEntry.put(1, 0, "first", "1".getBytes()));
            await().until(() -> heard.size() == 1);
            log.appendNext(LogEntry.put(1, 0, "second", "2".getBytes()));
            await().until(() -> log.durableOffset() == 2);
            await().until(() -> heard.contains(2L));
        }
    }

    @Test
    void an_entry_read_soon_after_its_append_is_the_object_appended_and_one_read_much_later_is_decoded_alike()
            throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            LogEntry first = log.appendNext(LogEntry.put(1, 0, "first", "1".getBytes()));
            assertThat(log.read(1, 1).get(0)).isSameAs(first); // no decoding: what streaming and applying read at once
            log.appendReplicated(List.of(LogEntry.put(1, 2, "second", "2".getBytes())));
            assertThat(log.read(2, 1).get(0).keyString()).isEqualTo("second");
            for (int i = 0; i < RecentEntries.CAPACITY; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, new byte[] {(byte) i}));
            }
            LogEntry later = log.read(1, 1).get(0);
            assertThat(later).isNotSameAs(first);
            assertThat(described(List.of(later))).isEqualTo(described(List.of(first)));
            assertThat(log.entriesReadFromFile()).isZero();
        }
    }

    @Test
    void compaction_keeps_the_tail_and_reopening_continues_after_the_snapshot() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
            }
            log.compactTo(80);
            assertThat(log.startOffset()).isEqualTo(81);
            assertThat(log.read(81, 100)).extracting(LogEntry::keyString).startsWith("k80").hasSize(20);
            assertThatThrownBy(() -> log.read(80, 1)).hasMessageContaining("compacted");
            log.appendNext(LogEntry.put(1, 0, "k100", null));
            await().until(() -> log.durableOffset() == 101);
        }
        // a snapshot at 90 was written after compaction: entries 81..90 in the file are skipped
        EpochHistory history = EpochHistory.EMPTY.withEntry(1, 1);
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 90, history)) {
            assertThat(log.startOffset()).isEqualTo(91);
            assertThat(log.lastOffset()).isEqualTo(101);
            assertThat(log.read(101, 1).get(0).keyString()).isEqualTo("k100");
            assertThat(log.lastPosition().epoch()).isEqualTo(1);
        }
    }

    @Test
    void reopened_after_a_snapshot_it_still_knows_the_time_marks_of_the_entries_the_snapshot_covers() throws Exception {
        // a snapshot at 3 was written, the log not compacted (its retention keeps more): a restart opens it at 3
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.timeMark(1, 0, 7_000));
            log.appendNext(LogEntry.put(1, 0, "a", "1".getBytes()));
            log.appendNext(LogEntry.put(1, 0, "b", "2".getBytes()));
            log.appendNext(LogEntry.put(1, 0, "c", "3".getBytes()));
            await().until(() -> log.durableOffset() == 4);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 3, EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.startOffset()).isEqualTo(4);
            assertThat(log.lastMarkMillis()).isEqualTo(7_000);
        }
    }

    @Test
    void reopened_after_compactions_and_a_reset_dropped_every_mark_it_still_knows_the_newest() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.timeMark(1, 0, 7_000));
            log.appendNext(LogEntry.put(1, 0, "a", "1".getBytes()));
            log.appendNext(LogEntry.put(1, 0, "b", "2".getBytes()));
            log.compactTo(2);
            assertThat(log.read(3, 10)).as("no mark left").allMatch(entry -> entry.markedMillis() < 0);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 2, EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.lastMarkMillis()).as("after a compaction").isEqualTo(7_000);
            log.appendNext(LogEntry.timeMark(2, 0, 9_000));
            log.resetTo(500, EpochHistory.EMPTY.withEntry(2, 1));
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 500, EpochHistory.EMPTY.withEntry(2, 1))) {
            assertThat(log.lastMarkMillis()).as("after a reset for a received snapshot").isEqualTo(9_000);
        }
    }

    @Test
    void a_compaction_on_an_interrupted_thread_leaves_the_log_working() throws Exception {
        // a store closing interrupts its snapshotter; FileChannel closes itself under interrupted I/O,
        // which must not take the log's own channel (and so every later write and the final force) with it
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
            }
            Thread.currentThread().interrupt();
            try {
                log.compactTo(80);
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt, held back, is given back").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(log.startOffset()).as("compacted all the same").isEqualTo(81);
            log.appendNext(LogEntry.put(1, 0, "k100", "v100".getBytes()));
            await().until(() -> log.durableOffset() == 101);
            assertThat(log.read(101, 1).get(0).keyString()).isEqualTo("k100");
        }
        // reopened as a store does it, after the snapshot that the compaction followed
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 80,
                EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.lastOffset()).isEqualTo(101);
            assertThat(log.read(log.startOffset(), 200)).extracting(LogEntry::keyString).contains("k99", "k100");
        }
    }

    @Test
    void after_a_compaction_whose_replacement_was_not_made_durable_the_log_stops_and_the_next_compaction_is_refused()
            throws Exception {
        java.util.concurrent.atomic.AtomicBoolean directoryFsyncFails = new java.util.concurrent.atomic.AtomicBoolean();
        dev.kvstore.core.disk.DiskSync failingDirectory = new dev.kvstore.core.disk.DiskSync() {
            @Override
            public void force(FileChannel channel, boolean metadata) throws java.io.IOException {
                channel.force(metadata);
            }

            @Override
            public void forceDirectory(Path directory) throws java.io.IOException {
                if (directoryFsyncFails.get()) {
                    throw new java.io.IOException("injected: directory fsync failed");
                }
                dev.kvstore.core.disk.DiskSync.SYSTEM.forceDirectory(directory);
            }
        };
        try (ReplicationLog log = new ReplicationLog(dir, failingDirectory, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
            }
            await().until(() -> log.durableOffset() == 100);
            directoryFsyncFails.set(true);
            assertThatThrownBy(() -> log.compactTo(50)).isInstanceOf(java.io.IOException.class);
            assertThat(log.failure()).as("renamed but not durable: the log stops").isNotNull();
            // the log's positions are of the old file now: a second compaction must not copy from the new one
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(5),
                    () -> assertThatThrownBy(() -> log.compactTo(80)).isInstanceOf(java.io.IOException.class));
            directoryFsyncFails.set(false);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 50,
                EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.lastOffset()).isEqualTo(100);
            assertThat(log.read(51, 100)).extracting(LogEntry::keyString).startsWith("k50").hasSize(50);
        }
    }

    @Test
    void closing_on_an_interrupted_thread_still_forces_what_was_written() throws Exception {
        ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20);
        for (int i = 0; i < 100; i++) {
            log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
        }
        Thread.currentThread().interrupt();
        try {
            log.close();
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt, held back, is given back").isTrue();
        } finally {
            Thread.interrupted();
        }
        try (ReplicationLog reopened = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(reopened.lastOffset()).isEqualTo(100);
        }
    }

    @Test
    void a_reset_empties_the_log_to_continue_a_received_snapshot() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.put(1, 0, "old", null));
            log.resetTo(500, EpochHistory.EMPTY.withEntry(2, 400));
            assertThat(log.lastPosition()).isEqualTo(new dev.kvstore.core.Position(2, 500));
            log.appendReplicated(List.of(LogEntry.put(2, 501, "new", null)));
            await().until(() -> log.durableOffset() == 501);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 500,
                EpochHistory.EMPTY.withEntry(2, 400))) {
            assertThat(log.lastOffset()).isEqualTo(501);
        }
    }
}
