package dev.kvstore.core.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which data directories a restore from a backup may write into: the one rule of the store and of kv local. */
class RestoreTargetTest {

    @TempDir
    Path dir;

    @Test
    void a_missing_or_empty_directory_is_restored_into() throws Exception {
        assertThat(RestoreTarget.of(dir.resolve("absent"))).isEqualTo(RestoreTarget.State.EMPTY);
        Files.createDirectories(dir.resolve("volume").resolve("lost+found"));
        assertThat(RestoreTarget.of(dir.resolve("volume"))).as("a fresh volume").isEqualTo(RestoreTarget.State.EMPTY);
    }

    @Test
    void what_a_restore_cut_short_left_is_restored_into_again() throws Exception {
        Files.writeString(dir.resolve(RestoreTarget.BEGUN), "offset=5\n");
        Files.writeString(dir.resolve("snapshot"), "x");
        Files.writeString(dir.resolve("epoch"), "3");

        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.CUT_SHORT);
    }

    @Test
    void a_snapshot_and_an_epoch_without_a_restore_begun_are_a_stores_data() throws Exception {
        Files.writeString(dir.resolve("snapshot"), "x");
        Files.writeString(dir.resolve("epoch"), "3");

        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.HOLDS_DATA);
    }

    @Test
    void a_restore_to_a_point_in_time_cut_short_left_its_log_and_is_done_again() throws Exception {
        Files.writeString(dir.resolve(RestoreTarget.BEGUN), "offset=5 entries=2 checksum=ab to=3:40\n");
        Files.writeString(dir.resolve("snapshot.restore"), "");
        Files.writeString(dir.resolve("replication.log"), "");
        Files.writeString(dir.resolve("commit-hint"), "");
        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.CUT_SHORT);

        // a store that opened it afterwards left its quarantine directory beside them: its data, never overwritten
        Files.createDirectory(dir.resolve("quarantine"));
        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.HOLDS_DATA);
    }

    @Test
    void a_store_that_opened_a_restore_cut_short_made_its_log_there() throws Exception {
        Files.writeString(dir.resolve(RestoreTarget.BEGUN), "offset=5\n");
        Files.writeString(dir.resolve("replication.log"), "");

        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.HOLDS_DATA);
    }

    @Test
    void a_finished_restore_says_which_backup_it_was() throws Exception {
        Files.writeString(dir.resolve(RestoreTarget.MARK), "offset=5 entries=2 checksum=ab\n");
        Files.writeString(dir.resolve("replication.log"), "");

        assertThat(RestoreTarget.of(dir)).isEqualTo(RestoreTarget.State.RESTORED);
        assertThat(RestoreTarget.restoredFrom(dir)).isEqualTo("offset=5 entries=2 checksum=ab");
    }
}
