package dev.kvstore.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BackupRetentionTest {

    private static BackupRetention.Entry completed(String name, String created) {
        return new BackupRetention.Entry(name, created, true, false);
    }

    private static BackupRetention.Entry failed(String name, String created) {
        return new BackupRetention.Entry(name, created, false, true);
    }

    private static BackupRetention.Entry running(String name, String created) {
        return new BackupRetention.Entry(name, created, false, false);
    }

    @Test
    void keeps_the_newest_complete_ones_whatever_the_order_given() {
        List<BackupRetention.Entry> backups = List.of(completed("b2", "2026-12-05T02:00:00Z"),
                completed("b4", "2026-12-05T04:00:00Z"), completed("b1", "2026-12-05T01:00:00Z"),
                completed("b3", "2026-12-05T03:00:00Z"));
        assertThat(BackupRetention.toDelete(backups, 2)).containsExactlyInAnyOrder("b1", "b2");
        assertThat(BackupRetention.toDelete(backups, 4)).isEmpty();
    }

    @Test
    void failures_count_for_nothing_and_go_once_older_than_the_oldest_kept() {
        List<BackupRetention.Entry> backups = List.of(failed("f5", "2026-12-05T05:00:00Z"),
                completed("b4", "2026-12-05T04:00:00Z"), failed("f3", "2026-12-05T03:00:00Z"),
                completed("b2", "2026-12-05T02:00:00Z"), failed("f1", "2026-12-05T01:00:00Z"));
        // two kept: b4 and b2; f5 and f3 are newer than b2 and stay; f1 is older and goes
        assertThat(BackupRetention.toDelete(backups, 2)).containsExactly("f1");
        assertThat(BackupRetention.toDelete(backups, 1)).as("b4 alone kept: everything older goes")
                .containsExactlyInAnyOrder("f3", "b2", "f1");
    }

    @Test
    void nothing_goes_while_too_few_are_complete_and_a_running_one_never() {
        List<BackupRetention.Entry> backups = List.of(failed("f3", "2026-12-05T03:00:00Z"),
                failed("f2", "2026-12-05T02:00:00Z"), completed("b1", "2026-12-05T01:00:00Z"));
        assertThat(BackupRetention.toDelete(backups, 2)).isEmpty();
        List<BackupRetention.Entry> withRunning = List.of(completed("b3", "2026-12-05T03:00:00Z"),
                running("r2", "2026-12-05T02:00:00Z"), completed("b1", "2026-12-05T01:00:00Z"));
        assertThat(BackupRetention.toDelete(withRunning, 1)).containsExactly("b1");
    }
}
