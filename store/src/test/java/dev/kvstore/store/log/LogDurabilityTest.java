package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.store.disk.ScriptedDisk;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the log calls durable is on disk: the flusher's races with truncation, and renames that survive. */
class LogDurabilityTest {

    @TempDir
    Path dir;

    private final ScriptedDisk disk = new ScriptedDisk();

    @Test
    void a_force_begun_before_a_truncation_never_publishes_the_entries_that_refill_the_cut_offsets() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, disk, FsyncPolicy.ALWAYS, 1 << 20)) {
            List<Long> published = new CopyOnWriteArrayList<>();
            log.onDurable(published::add);
            log.appendReplicated(List.of(LogEntry.noop(1, 1)));
            await().until(() -> log.durableOffset() == 1);

            disk.holdFlusherForces();
            log.appendReplicated(List.of(LogEntry.put(1, 2, "old-a", "1".getBytes()),
                    LogEntry.put(1, 3, "old-b", "2".getBytes())));
            // the flusher chose offset 3 as its target and sits in its fsync
            await().until(() -> disk.flusherForcesHeld() == 1);
            // meanwhile a rejoin cuts the suffix and the new primary's entries take offsets 2 and 3 (in memory only)
            log.truncateAfter(1);
            log.appendReplicated(List.of(LogEntry.put(2, 2, "new-a", "3".getBytes()),
                    LogEntry.put(2, 3, "new-b", "4".getBytes())));
            disk.releaseOneFlusherForce();

            // the old force covered the old bytes only: nothing past 1 may be durable until the new ones are forced
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> disk.flusherForcesHeld() == 2 || log.durableOffset() == 3);
            assertThat(log.durableOffset()).as("durable offset before the new entries were forced").isEqualTo(1);
            assertThat(published).containsExactly(1L);

            disk.releaseOneFlusherForce();
            await().until(() -> log.durableOffset() == 3);
            assertThat(published).containsExactly(1L, 3L);
            disk.stopHolding();
        }
        try (ReplicationLog reopened = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(reopened.read(2, 2)).extracting(LogEntry::keyString).containsExactly("new-a", "new-b");
        }
    }

    @Test
    void compaction_forces_the_directory_after_the_new_log_is_renamed_into_place() throws Exception {
        int compactionStarted;
        try (ReplicationLog log = new ReplicationLog(dir, disk, FsyncPolicy.ALWAYS, 1 << 20)) {
            for (int i = 0; i < 20; i++) {
                log.appendNext(LogEntry.put(1, 0, "k" + i, "v".getBytes()));
            }
            await().until(() -> log.durableOffset() == 20);
            compactionStarted = disk.mark();
            log.compactTo(15);
            // a force of the directory, during the compaction, that no longer lists the temporary file:
            // the rename is on disk
            assertThat(disk.forcedDirectoryWhere(dir, entries -> entries.contains("replication.log")
                    && !entries.contains("replication.log.compact"), compactionStarted))
                    .as("directory forced after the rename; forces seen: %s", disk.forces()).isTrue();
        }
    }

    @Test
    void a_new_log_file_is_made_durable_in_its_directory() throws Exception {
        try (ReplicationLog log = new ReplicationLog(dir, disk, FsyncPolicy.ALWAYS, 1 << 20)) {
            assertThat(disk.forcedDirectoryWhere(dir, entries -> entries.contains("replication.log")))
                    .as("directory forced once the log file exists; forces seen: %s", disk.forces()).isTrue();
        }
    }
}
