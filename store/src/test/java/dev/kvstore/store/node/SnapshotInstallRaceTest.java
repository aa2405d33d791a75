package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.snapshot.Snapshot;
import dev.kvstore.store.snapshot.SnapshotData;
import dev.kvstore.store.snapshot.SnapshotFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secondary's own snapshot (its snapshotter) must never land on top of a snapshot installed from the
 * primary: the install would then load the older file and its log, reset past it, could not be applied
 * (found in review: entries acknowledged after such an install were cut as a torn tail on restart).
 */
class SnapshotInstallRaceTest {
    @TempDir
    Path dir;

    @Test
    void an_install_waits_for_a_running_local_snapshot_and_loads_what_the_primary_sent() throws Exception {
        CountDownLatch snapshotterMayRename = new CountDownLatch(1);
        CountDownLatch snapshotterRenamed = new CountDownLatch(1);
        DiskSync disk = new DiskSync() {
            public void force(FileChannel channel, boolean metadata) throws IOException {
                if (Thread.currentThread().getName().contains("snapshotter")) {
                    try { snapshotterMayRename.await(2, TimeUnit.SECONDS); } catch (InterruptedException e) { throw new IOException(e); }
                }
                DiskSync.SYSTEM.force(channel, metadata);
            }
            public void forceDirectory(Path d) throws IOException {
                DiskSync.SYSTEM.forceDirectory(d);
                String t = Thread.currentThread().getName();
                if (t.contains("snapshotter")) {
                    snapshotterRenamed.countDown();
                } else if (t.equals("installer")) {
                    snapshotterMayRename.countDown();
                    try { snapshotterRenamed.await(2, TimeUnit.SECONDS); } catch (InterruptedException e) { throw new IOException(e); }
                }
            }
        };
        NodeSettings settings = new NodeSettings("b", "test", "s", dir.resolve("b"), "127.0.0.1:0",
                "http://127.0.0.1:0", ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, 300,
                10, 0);
        StoreNode node = new StoreNode(settings, disk);
        List<LogEntry> entries = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            entries.add(LogEntry.put(1, i, "old" + i, new byte[] {1}));
        }
        node.appendReplicated(entries);
        node.secondaryProgress(10, 10); // applies 10: the snapshotter starts, and waits at its force

        Path received = dir.resolve("received");
        try (OutputStream out = Files.newOutputStream(received)) {
            SnapshotFile.writeTo(new Snapshot(5000, EpochHistory.EMPTY.withEntry(1, 1),
                    SnapshotData.of(Map.of("new", new byte[] {2}))), out);
        }
        Throwable[] failed = new Throwable[1];
        Thread installer = new Thread(() -> {
            try { node.installSnapshot(received, null); } catch (Throwable e) { failed[0] = e; }
        }, "installer");
        installer.start();
        installer.join(20_000);
        assertThat(failed[0]).as("install failure").isNull();
        assertThat(node.status().appliedOffset()).isEqualTo(5000);
        assertThat(node.read("new").value()).isNotNull();
        assertThat(node.read("old1").value()).as("the old data is gone").isNull();
        Map<String, byte[]> onDisk = new java.util.HashMap<>();
        assertThat(node.snapshotFile().load(onDisk::put).orElseThrow().lastIncludedOffset())
                .as("the snapshot file on disk").isEqualTo(5000);
        List<LogEntry> more = new ArrayList<>();
        for (int i = 5001; i <= 5003; i++) {
            more.add(LogEntry.put(1, i, "n" + i, new byte[] {3}));
        }
        node.appendReplicated(more);
        org.awaitility.Awaitility.await().until(() -> node.log().durableOffset() == 5003);
        node.secondaryProgress(5003, 5003);
        assertThat(node.status().appliedOffset()).isEqualTo(5003);
        node.close();
        StoreNode again = new StoreNode(settings, DiskSync.SYSTEM);
        try {
            assertThat(again.log().lastOffset()).as("the acknowledged entries survive a restart").isEqualTo(5003);
            assertThat(again.read("n5003").value()).isNotNull();
        } finally {
            again.close();
        }
    }
}
