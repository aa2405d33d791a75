package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zeroed room the log keeps past its end: appends into it leave the file's size alone (so an fdatasync
 * writes the data and no inode), and what a crash leaves in it reopens to exactly the durable entries.
 * A crash is a copy of the file taken while the log is open: the room is in it, as it is on disk.
 */
class LogRoomTest {

    private static final String LOG = "replication.log";

    @TempDir
    Path dir;
    @TempDir
    Path crashed;

    @Test
    void appends_within_the_room_leave_the_files_size_alone() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.appendNext(LogEntry.put(1, 0, "k0", "v0".getBytes()));
            await().until(() -> log.durableOffset() == 1);
            long sizeAfterFirst = Files.size(dir.resolve(LOG));
            assertThat(sizeAfterFirst).as("room past one entry").isGreaterThan(LogEntryCodec.encodedSize(
                    LogEntry.put(1, 1, "k0", "v0".getBytes())) + 1000L);
            for (int i = 1; i <= 100; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
                int expected = i + 1;
                await().pollInterval(java.time.Duration.ofMillis(1)).until(() -> log.durableOffset() == expected); // one fsync each: none may grow the file
                assertThat(Files.size(dir.resolve(LOG))).as("size after entry %d", expected).isEqualTo(sizeAfterFirst);
            }
        }
    }

    @Test
    void a_closed_log_gives_its_room_back() throws Exception {
        long end;
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            end = 0;
            for (int i = 0; i < 10; i++) {
                LogEntry entry = log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
                end += LogEntryCodec.encodedSize(entry);
            }
            await().until(() -> log.durableOffset() == 10);
        }
        assertThat(Files.size(dir.resolve(LOG))).isEqualTo(end);
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(10);
        }
    }

    @Test
    void a_crash_leaves_room_that_reopens_to_every_durable_entry_and_appends_go_on() throws Exception {
        long end = writeAndCrash(20);
        assertThat(Files.size(crashed.resolve(LOG))).as("the room is in the crashed file").isGreaterThan(end);
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(20);
            assertThat(log.read(20, 1).get(0).keyString()).isEqualTo("k19");
            assertThat(log.appendNext(LogEntry.put(1, 0, "next", "n".getBytes())).offset()).isEqualTo(21);
            await().until(() -> log.durableOffset() == 21);
        }
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(21);
            assertThat(log.read(21, 1).get(0).keyString()).isEqualTo("next");
        }
    }

    @Test
    void a_torn_entry_in_the_room_is_cut_off() throws Exception {
        long end = writeAndCrash(3);
        long tornStart = end - LogEntryCodec.encodedSize(LogEntry.put(1, 3, "k2", "v2".getBytes()));
        try (FileChannel channel = FileChannel.open(crashed.resolve(LOG), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(3), end - 3); // the last entry's last bytes never reached the disk
        }
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(2);
            assertThat(onlyZerosFrom(crashed.resolve(LOG), tornStart)).as("nothing of the torn entry is left").isTrue();
            assertThat(log.appendNext(LogEntry.put(1, 0, "c", "3".getBytes())).offset()).isEqualTo(3);
        }
    }

    @Test
    void a_log_told_to_keep_no_room_gives_back_what_a_crash_left_and_makes_none() throws Exception {
        long end = writeAndCrash(5);
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            log.keepNoRoom();
            assertThat(Files.size(crashed.resolve(LOG))).isEqualTo(end);
            end += LogEntryCodec.encodedSize(log.appendNext(LogEntry.put(1, 0, "k5", "v5".getBytes())));
            await().until(() -> log.durableOffset() == 6);
            assertThat(Files.size(crashed.resolve(LOG))).as("an append grows the file by itself alone").isEqualTo(end);
        }
    }

    /**
     * A whole entry past a zeroed gap (a crash that lost one page of a write but kept the next) is not durable:
     * if it stayed in the room, a later entry of the gap's length would make it follow on, and a restart would
     * read it back as a write no one made.
     */
    @Test
    void an_entry_left_past_a_zeroed_gap_is_never_read_back() throws Exception {
        long end = writeAndCrash(2);
        LogEntry next = LogEntry.put(1, 3, "fresh", "new".getBytes());
        LogEntry stale = LogEntry.put(1, 4, "stale", "old".getBytes());
        try (FileChannel channel = FileChannel.open(crashed.resolve(LOG), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(LogEntryCodec.encode(stale)), end + LogEntryCodec.encodedSize(next));
        }
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(2);
            assertThat(log.appendNext(LogEntry.put(1, 0, "fresh", "new".getBytes())).offset()).isEqualTo(3);
            await().until(() -> log.durableOffset() == 3);
            Files.copy(crashed.resolve(LOG), dir.resolve("again"));
        }
        Files.move(dir.resolve("again"), crashed.resolve(LOG), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (ReplicationLog log = new ReplicationLog(crashed, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).as("the stale entry stays gone").isEqualTo(3);
            assertThat(log.read(3, 1).get(0).keyString()).isEqualTo("fresh");
        }
    }

    private static boolean onlyZerosFrom(Path file, long from) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        for (long i = from; i < bytes.length; i++) {
            if (bytes[(int) i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Appends {@code count} entries, waits until they are durable, and copies the file while the log is open. */
    private long writeAndCrash(int count) throws Exception {
        long end = 0;
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < count; i++) {
                end += LogEntryCodec.encodedSize(log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes())));
            }
            await().until(() -> log.durableOffset() == count);
            Files.copy(dir.resolve(LOG), crashed.resolve(LOG));
        }
        return end;
    }
}
