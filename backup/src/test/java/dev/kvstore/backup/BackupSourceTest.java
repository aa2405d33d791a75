package dev.kvstore.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.admin.NodeStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which store kv backup takes a backup from, and the least that backup must cover. */
class BackupSourceTest {

    private static NodeStatus status(String role, long epoch, long commit, long applied, boolean fenced, String diskFailure) {
        return new NodeStatus("id-" + role, role, epoch, epoch, applied, commit, applied, 0, null, null, true, fenced, 0, 0,
                "sync", 1, diskFailure, 0, 0, 0, 0, null, false);
    }

    private static Map<String, NodeStatus> stores(Object... nameAndStatus) {
        Map<String, NodeStatus> stores = new LinkedHashMap<>();
        for (int i = 0; i < nameAndStatus.length; i += 2) {
            stores.put((String) nameAndStatus[i], (NodeStatus) nameAndStatus[i + 1]);
        }
        return stores;
    }

    @Test
    void a_secondary_that_applied_all_the_primary_committed() {
        var stores = stores("kv-0", status("primary", 3, 100, 100, false, null),
                "kv-1", status("secondary", 3, 90, 95, false, null),
                "kv-2", status("secondary", 3, 100, 100, false, null));

        assertThat(BackupSource.choose(stores, null)).contains(new BackupSource("kv-2", 100));
    }

    @Test
    void not_a_secondary_that_stopped_following_or_follows_an_older_term() {
        NodeStatus cutOff = new NodeStatus("id", "secondary", 3, 3, 100, 100, 100, 0, null, null, false, false, 0, 0,
                "sync", 1, null, 0, 0, 0, 0, null, false);
        var stores = stores("kv-0", status("primary", 3, 100, 100, false, null),
                "kv-1", cutOff, "kv-2", status("secondary", 2, 100, 100, false, null));

        assertThat(BackupSource.choose(stores, null)).contains(new BackupSource("kv-0", 100));
    }

    @Test
    void the_primary_when_no_secondary_is_in_sync() {
        var stores = stores("kv-0", status("secondary", 3, 90, 95, false, null),
                "kv-1", status("primary", 3, 100, 101, false, null));

        assertThat(BackupSource.choose(stores, null)).contains(new BackupSource("kv-1", 101));
    }

    @Test
    void of_two_stores_claiming_to_be_primary_the_newer_epoch() {
        // kv-0 was deposed and not told yet: its commit point is from the old term
        var stores = stores("kv-0", status("primary", 2, 80, 80, false, null),
                "kv-1", status("primary", 3, 100, 100, false, null),
                "kv-2", status("secondary", 3, 85, 85, false, null));

        assertThat(BackupSource.choose(stores, null)).contains(new BackupSource("kv-1", 100));
    }

    @Test
    void never_a_fenced_primary_or_a_store_whose_disk_failed() {
        var stores = stores("kv-0", status("primary", 3, 100, 100, true, null),
                "kv-1", status("secondary", 3, 100, 100, false, "fsync failed"));

        assertThat(BackupSource.choose(stores, null)).isEmpty();
        assertThat(BackupSource.choose(stores, "kv-1")).as("named, but its disk failed").isEmpty();
    }

    @Test
    void the_store_named_must_answer_and_give_what_it_applied() {
        var stores = stores("kv-0", status("primary", 3, 100, 100, false, null),
                "kv-1", status("secondary", 3, 60, 60, false, null));

        assertThat(BackupSource.choose(stores, "kv-1")).contains(new BackupSource("kv-1", 60));
        assertThat(BackupSource.choose(stores, "kv-2")).isEqualTo(Optional.empty());
    }
}
