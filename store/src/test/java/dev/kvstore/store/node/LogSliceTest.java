package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.ReplicationLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the primary gives the log archive, read from a real log file outside the primary's role lock. */
class LogSliceTest {

    @TempDir
    Path dir;

    private ReplicationLog logOf(long entries, long epoch) throws Exception {
        ReplicationLog log = new ReplicationLog(dir, FsyncPolicy.ALWAYS, 1 << 20);
        List<LogEntry> batch = new ArrayList<>();
        for (long offset = 1; offset <= entries; offset++) {
            batch.add(LogEntry.put(epoch, offset, "k" + offset, new byte[] {1}));
        }
        log.appendReplicated(batch);
        return log;
    }

    @Test
    void committed_entries_after_the_point_are_given_and_certified_when_they_reach_the_commit_offset() throws Exception {
        try (ReplicationLog log = logOf(1000, 1)) {
            LogSlice slice = LogSlice.read(log, 500, 1, new LogSlice.Point(800, 5_000, () -> true), 4 << 20);
            assertThat(slice.entries()).extracting(LogEntry::offset).startsWith(501L).endsWith(800L).hasSize(300);
            assertThat(slice.coveredThroughMillis()).isEqualTo(5_000);
        }
    }

    @Test
    void a_store_deposed_while_its_log_was_read_gives_nothing() throws Exception {
        try (ReplicationLog log = logOf(1000, 1)) {
            // stepped down during the read: its log may have been cut and refilled from another history meanwhile
            assertThatThrownBy(() -> LogSlice.read(log, 500, 1, new LogSlice.Point(1000, 5_000, () -> false), 4 << 20))
                    .isInstanceOf(NodeExceptions.Fenced.class).hasMessageContaining("stopped being the primary");
        }
    }

    @Test
    void a_store_deposed_while_its_log_was_read_never_says_the_archive_diverged() throws Exception {
        try (ReplicationLog log = logOf(1000, 1)) {
            // its log cut and refilled meanwhile: a divergence seen then is not this term's primary's to tell (the
            // archive sets aside what it holds only on a primary's word)
            assertThatThrownBy(() -> LogSlice.read(log, 500, 2, new LogSlice.Point(1000, 5_000, () -> false), 4 << 20))
                    .isInstanceOf(NodeExceptions.Fenced.class);
            assertThatThrownBy(() -> LogSlice.read(log, 1500, 1, new LogSlice.Point(1000, 5_000, () -> false), 4 << 20))
                    .isInstanceOf(NodeExceptions.Fenced.class);
            // still that term's primary: the divergence is said
            assertThatThrownBy(() -> LogSlice.read(log, 500, 2, new LogSlice.Point(1000, 5_000, () -> true), 4 << 20))
                    .isInstanceOf(LogSlice.Diverged.class);
        }
    }
}
