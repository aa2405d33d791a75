package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compaction copies the kept tail of the log into a new file and forces it; appends (event-loop writes among
 * them) must not wait for that. Here the compaction's first force is held until the test lets it go, and the
 * log is used meanwhile.
 */
class CompactionWhileAppendingTest {

    private static final String COMPACTOR = "compactor";

    @TempDir
    Path dir;

    /** A real disk whose first force on the compactor's thread waits until released. */
    private static final class HeldCompactionDisk implements DiskSync {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public void force(FileChannel channel, boolean metadata) throws IOException {
            if (Thread.currentThread().getName().equals(COMPACTOR) && first.compareAndSet(true, false)) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            channel.force(metadata);
        }

        @Override
        public void forceDirectory(Path directory) throws IOException {
            DiskSync.SYSTEM.forceDirectory(directory);
        }
    }

    private final HeldCompactionDisk disk = new HeldCompactionDisk();

    private static void appendKeys(ReplicationLog log, int from, int to) {
        for (int i = from; i < to; i++) {
            log.appendNext(LogEntry.put(1, 0, "k" + i, ("v" + i).getBytes()));
        }
    }

    /** Runs {@code compactTo(newBase)} on a thread of its own and returns once its first force is held. */
    private Thread compactInBackground(ReplicationLog log, long newBase, AtomicReference<Throwable> failed)
            throws InterruptedException {
        Thread compactor = new Thread(() -> {
            try {
                log.compactTo(newBase);
            } catch (Throwable e) {
                failed.set(e);
            }
        }, COMPACTOR);
        compactor.start();
        assertThat(disk.held.await(10, TimeUnit.SECONDS)).as("the compaction reached its force").isTrue();
        return compactor;
    }

    @Test
    void appends_and_their_fsyncs_go_on_while_a_compaction_copies_and_end_up_in_the_compacted_log() throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (ReplicationLog log = new ReplicationLog(dir, disk, FsyncPolicy.ALWAYS, 1 << 20)) {
            appendKeys(log, 0, 100);
            await().until(() -> log.durableOffset() == 100);
            Thread compactor = compactInBackground(log, 80, failed);

            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                appendKeys(log, 100, 110);
                await().until(() -> log.durableOffset() == 110);
                assertThat(log.read(105, 1).get(0).keyString()).isEqualTo("k104");
            }, "appends and their fsyncs waited for the compaction's copy");

            disk.release.countDown();
            compactor.join(10_000);
            assertThat(compactor.isAlive()).as("the compaction still runs").isFalse();
            assertThat(failed.get()).as("the compaction's failure").isNull();
            assertThat(log.startOffset()).isEqualTo(81);
            appendKeys(log, 110, 111);
            await().until(() -> log.durableOffset() == 111);
            assertThat(log.read(81, 100)).extracting(LogEntry::keyString).startsWith("k80").endsWith("k110").hasSize(31);
        }
        // reopened after the snapshot the compaction followed: the entries appended during the copy are in the file
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20, 80, EpochHistory.EMPTY.withEntry(1, 1))) {
            assertThat(log.lastOffset()).isEqualTo(111);
            assertThat(log.read(81, 100)).extracting(LogEntry::keyString).startsWith("k80").endsWith("k110").hasSize(31);
        }
    }

    @Test
    void a_truncation_during_the_copy_wins_and_the_log_stays_whole_and_uncompacted() throws Exception {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (ReplicationLog log = new ReplicationLog(dir, disk, FsyncPolicy.ALWAYS, 1 << 20)) {
            appendKeys(log, 0, 100);
            await().until(() -> log.durableOffset() == 100);
            Thread compactor = compactInBackground(log, 80, failed);

            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> log.truncateAfter(90),
                    "a truncation waited for the compaction's copy");
            disk.release.countDown();
            compactor.join(10_000);
            assertThat(compactor.isAlive()).as("the compaction still runs").isFalse();
            assertThat(failed.get()).as("the compaction's failure").isNull();
            assertThat(log.startOffset()).as("the copy of a log cut meanwhile is dropped").isEqualTo(1);
            assertThat(dir.resolve("replication.log.compact")).as("the dropped copy").doesNotExist();
            log.appendNext(LogEntry.put(1, 0, "after-cut", "x".getBytes()));
            await().until(() -> log.durableOffset() == 91);
        }
        try (ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(log.lastOffset()).isEqualTo(91);
            assertThat(log.read(1, 1).get(0).keyString()).isEqualTo("k0");
            assertThat(log.read(90, 2)).extracting(LogEntry::keyString).containsExactly("k89", "after-cut");
        }
    }
}
