package dev.kvstore.store.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.store.disk.ScriptedDisk;
import dev.kvstore.store.log.FsyncPolicy;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.Mutation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One store driven by admin calls from the test thread, on a disk the test scripts (no network). */
class StoreNodeTest {

    private static final long LEASE_MILLIS = 300;

    @TempDir
    Path dir;

    private final ScriptedDisk disk = new ScriptedDisk();
    private StoreNode node;

    private StoreNode open(int minSyncReplicas) throws IOException {
        return open(minSyncReplicas, NodeSettings.defaultMaxMemoryBytes());
    }

    private StoreNode openWithBudget(long maxMemoryBytes) throws IOException {
        return open(0, maxMemoryBytes);
    }

    private StoreNode open(int minSyncReplicas, long maxMemoryBytes) throws IOException {
        return open(minSyncReplicas, maxMemoryBytes, 5_000);
    }

    private StoreNode open(int minSyncReplicas, long maxMemoryBytes, long writeTimeoutMillis) throws IOException {
        NodeSettings settings = new NodeSettings("kv-0", "test", "secret", dir, "127.0.0.1:1", "http://127.0.0.1:2",
                ReplicationMode.SYNC, minSyncReplicas, FsyncPolicy.ALWAYS, 1024, 1 << 16, writeTimeoutMillis, 50,
                LEASE_MILLIS, 100_000, 10_000, maxMemoryBytes);
        node = new StoreNode(settings, disk);
        return node;
    }

    /** A lone primary (minSyncReplicas 0) that acknowledged one write. */
    private void primaryWithOneWrite() throws Exception {
        open(0);
        node.promote(1, true);
        node.write(put("a")).get(2, TimeUnit.SECONDS);
    }

    /** Promotes the open node and waits until it answers reads (its term committed, its lease held). */
    private void readablePrimary(int epoch) {
        node.promote(epoch, true);
        await().ignoreExceptions().until(() -> node.read("warm") != null || true);
    }

    @AfterEach
    void close() {
        disk.stopHolding();
        if (node != null) {
            node.close();
        }
    }

    /** A lone primary's settings with a snapshot at least every 10 entries, 5 kept behind it. */
    private NodeSettings snapshotsEveryTenEntries(int growthPercent) {
        return snapshotsEveryTenEntries(growthPercent, 5);
    }

    /** A lone primary's settings with a snapshot at least every 10 entries, {@code retention} kept behind it. */
    private NodeSettings snapshotsEveryTenEntries(int growthPercent, long retention) {
        return new NodeSettings("kv-0", "test", "secret", dir, "127.0.0.1:1", "http://127.0.0.1:2",
                ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50, LEASE_MILLIS, 10, retention,
                NodeSettings.defaultMaxMemoryBytes(), -1, NodeSettings.DEFAULT_ENTRY_LIMIT_BYTES,
                dev.kvstore.store.log.LogFormat.CURRENT, growthPercent);
    }

    /** Opens a primary with {@code settings} and writes k0..k(count-1), each acknowledged. */
    private void primaryWithWrites(NodeSettings settings, int count) throws Exception {
        node = new StoreNode(settings, disk);
        readablePrimary(1);
        for (int i = 0; i < count; i++) {
            node.write(put("k" + i)).get(2, TimeUnit.SECONDS);
        }
    }

    private static LogEntry put(String key) {
        return LogEntry.put(0, 0, key, "v".getBytes());
    }

    @Nested
    class Snapshots {

        @Test
        void wait_until_the_entries_since_the_last_one_match_the_keys_it_held() throws Exception {
            // a snapshot every 10 entries at least, and no sooner than 100% of the last one's keys
            NodeSettings settings = snapshotsEveryTenEntries(100);
            primaryWithWrites(settings, 60);
            await().atMost(Duration.ofSeconds(5)).until(() -> node.lastSnapshotOffset() >= 30);
            SnapshotSchedule.Mark mark = node.lastSnapshot();
            long first = mark.offset();
            long keys = mark.keys();
            assertThat(mark.bytes()).as("the file's size").isPositive();
            assertThat(keys).isGreaterThanOrEqualTo(29);

            // overwrites up to one or two entries short of as many as the snapshot has keys: no new snapshot yet
            // (a write is one entry, or two with the time mark of a new millisecond)
            for (int i = 0; node.log().lastOffset() - first < keys - 2; i++) {
                node.write(put("k" + i)).get(2, TimeUnit.SECONDS);
            }
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                    assertThat(node.lastSnapshotOffset()).as("snapshot of %d keys at %d, log at %d", keys, first,
                            node.log().lastOffset()).isEqualTo(first));

            for (int i = 0; i < 5; i++) {
                node.write(put("k" + i)).get(2, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> node.lastSnapshotOffset() > first);

            // a restart knows the snapshot it loaded as well as the store that wrote it did
            SnapshotSchedule.Mark written = node.lastSnapshot();
            node.close();
            node = new StoreNode(settings, disk);
            assertThat(node.lastSnapshot()).isEqualTo(written);
        }
    }

    @Nested
    class A_divergent_suffix {

        @Test
        void behind_a_snapshot_is_cut_and_the_state_rebuilt_from_the_snapshot_and_the_log_after_it() throws Exception {
            // the term's entry, 25 writes and their time marks: a snapshot every 10 entries, until none is due
            primaryWithWrites(snapshotsEveryTenEntries(0), 25);
            await().atMost(Duration.ofSeconds(5)).until(() -> node.lastSnapshotOffset() >= 20
                    && node.lastSnapshotOffset() > node.log().lastOffset() - 10);
            long snapshotAt = node.lastSnapshotOffset();
            // entries after it to cut (fewer than the next snapshot's ten)
            for (int i = 0; node.log().lastOffset() < snapshotAt + 5; i++) {
                node.write(put("more" + i)).get(2, TimeUnit.SECONDS);
            }
            long keepUpTo = snapshotAt + 3;
            assertThat(node.log().startOffset()).as("the log was compacted").isGreaterThan(1);
            assertThat(node.log().lastOffset()).isGreaterThan(keepUpTo);

            node.keepOnlyCommonPrefix(keepUpTo);

            assertThat(node.log().lastOffset()).isEqualTo(keepUpTo);
            assertThat(node.status().appliedOffset()).isEqualTo(keepUpTo);
        }

        @Test
        void inside_the_snapshot_starts_the_store_over_even_while_the_log_still_holds_it() throws Exception {
            // the term's entry, 25 writes and their time marks: a snapshot every 10 entries, until none is due
            primaryWithWrites(snapshotsEveryTenEntries(0), 25);
            await().atMost(Duration.ofSeconds(5)).until(() -> node.lastSnapshotOffset() >= 20
                    && node.lastSnapshotOffset() > node.log().lastOffset() - 10);
            long snapshotAt = node.lastSnapshotOffset();
            long keepUpTo = snapshotAt - 2; // inside the snapshot, within the log's retention window behind it
            assertThat(node.log().startOffset() - 1).isLessThanOrEqualTo(keepUpTo);

            assertThatThrownBy(() -> node.keepOnlyCommonPrefix(keepUpTo)).isInstanceOf(IOException.class)
                    .hasMessageContaining("starting over empty");
            assertThat(node.status().appliedOffset()).isZero();
            assertThat(node.lastSnapshotOffset()).as("the divergent snapshot is set aside").isZero();
        }
    }

    @Nested
    class The_new_primarys_lease_wait {

        @Test
        void counts_from_the_promotion_not_from_its_own_fence() throws Exception {
            open(0);
            // fenced early in a failover whose other fences took longer than a lease: a secondary fenced
            // later kept renewing the old primary's read lease until its own fence, so the wait is not over
            node.fence(2);
            await().pollDelay(Duration.ofMillis(LEASE_MILLIS * 2)).until(() -> true);
            node.promote(2, false);

            assertThatThrownBy(() -> node.write(put("k")).get(1, TimeUnit.SECONDS))
                    .hasMessageContaining("read lease");
            await().atMost(Duration.ofSeconds(2)).ignoreExceptions()
                    .until(() -> node.write(put("k")).get(1, TimeUnit.SECONDS) != null);
        }

        @Test
        void is_skipped_when_the_old_primary_is_known_to_be_gone() throws Exception {
            open(0);
            node.fence(2);
            node.promote(2, true);
            assertThat(node.write(put("k")).get(1, TimeUnit.SECONDS).epoch()).isEqualTo(2);
        }
    }

    @Nested
    class A_slow_epoch_fsync {

        @Test
        void does_not_hold_back_writes_waiting_on_the_role_lock() throws Exception {
            primaryWithOneWrite();
            disk.slowDirectoryForces(1_500);
            CompletableFuture<dev.kvstore.core.admin.NodeStatus> fence = CompletableFuture.supplyAsync(() -> node.fence(2));
            await().until(() -> disk.slowForcesInProgress() > 0);

            long started = System.nanoTime();
            CompletableFuture<WriteResult> write;
            try {
                write = node.write(put("b"));
            } catch (RuntimeException refused) {
                write = CompletableFuture.failedFuture(refused);
            }
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // an event-loop thread calls write(): it must answer at once, not after the fence's fsync
            assertThat(tookMillis).as("write() blocked for %d ms behind the epoch fsync", tookMillis).isLessThan(500);
            var fenced = fence.get(5, TimeUnit.SECONDS);
            // acknowledged before the fence returned (legal: the fence had not answered yet) or refused;
            // if acknowledged, the position the fence reported holds it, as the failover relies on
            try {
                WriteResult acknowledged = write.get(5, TimeUnit.SECONDS);
                assertThat(fenced.lastOffset()).isGreaterThanOrEqualTo(acknowledged.offset());
            } catch (ExecutionException refused) {
                assertThat(refused).hasMessageContaining("deposed");
            }
            assertThatThrownBy(() -> node.write(put("c"))).hasMessageContaining("writes go to the primary");
        }
    }

    @Nested
    class A_memory_budget {

        private LogEntry put(String key, int size) {
            return LogEntry.put(0, 0, key, new byte[size]);
        }

        @Test
        void refuses_a_growing_write_past_it_before_the_log_and_keeps_everything_acknowledged() throws Exception {
            openWithBudget(10 * (dev.kvstore.store.state.MemoryEstimate.ENTRY_OVERHEAD_BYTES + 102));
            node.promote(1, true);
            int acknowledged = 0;
            for (int i = 0; i < 20; i++) {
                try {
                    node.write(put("k" + i, 100)).get(2, TimeUnit.SECONDS);
                    acknowledged++;
                } catch (NodeExceptions.MemoryFull full) {
                    assertThat(full).hasMessageContaining("maxmemory").hasMessageContaining("nothing was stored");
                }
            }
            long lastOffset = node.log().lastOffset();

            assertThat(acknowledged).isBetween(9, 10);
            assertThat(node.memoryUsedBytes()).isLessThanOrEqualTo(node.settings().maxMemoryBytes());
            assertThat(node.log().read(1, 1000).stream().filter(entry -> entry.op() != LogEntry.Op.NOOP).count())
                    .as("refused writes never reached the log (beside the term's entry and the time marks)")
                    .isEqualTo(acknowledged);
            assertThat(node.log().read(1, 1000)).as("the log up to its last entry").hasSize((int) lastOffset);
            for (int i = 0; i < acknowledged; i++) {
                assertThat(node.read("k" + i).value()).hasSize(100);
            }
            assertThat(node.read("k" + acknowledged).value()).isNull();
            assertThat(node.status().memoryUsedBytes()).isEqualTo(node.memoryUsedBytes());
            assertThat(node.status().memoryLimitBytes()).isEqualTo(node.settings().maxMemoryBytes());
        }

        @Test
        void keeps_counting_a_write_that_timed_out_since_it_stays_in_the_log() throws Exception {
            // minSyncReplicas 1 and no secondary: nothing commits, every write times out (outcome unknown)
            open(1, 2 * (dev.kvstore.store.state.MemoryEstimate.ENTRY_OVERHEAD_BYTES + 102), 200);
            node.promote(1, true);
            for (int i = 0; i < 2; i++) {
                CompletableFuture<WriteResult> pending = node.write(put("k" + i, 100));
                assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(
                        java.util.concurrent.TimeoutException.class);
            }
            // both entries are in the log and commit when a secondary comes: a third must not fit
            assertThatThrownBy(() -> node.write(put("k2", 100))).isInstanceOf(NodeExceptions.MemoryFull.class);
        }

        @Test
        void an_overwrite_in_flight_near_the_budget_does_not_hold_a_new_keys_cost() throws Exception {
            long x = dev.kvstore.store.state.MemoryEstimate.of("x", new byte[1000]);
            long y = dev.kvstore.store.state.MemoryEstimate.of("y", new byte[500]);
            // room for x twice over but not for x twice and y: an overwrite of x that held a new key's cost
            // while pending would refuse y, which fits (the overwrite adds nothing)
            openWithBudget(2 * x + y - 1);
            node.promote(1, true);
            node.write(put("x", 1000)).get(2, TimeUnit.SECONDS);
            disk.holdFlusherForces();
            var overwrite = node.write(put("x", 1000));
            var newKey = node.write(put("y", 500));
            disk.stopHolding();
            overwrite.get(5, TimeUnit.SECONDS);
            newKey.get(5, TimeUnit.SECONDS);
            assertThat(node.read("y").value()).hasSize(500);
        }

        @Test
        void credits_no_shrink_so_two_pending_writes_shrinking_the_same_key_cannot_overshoot_it() throws Exception {
            long oneBigValue = dev.kvstore.store.state.MemoryEstimate.of("y", new byte[1000]);
            openWithBudget(dev.kvstore.store.state.MemoryEstimate.of("x", new byte[1000]) + oneBigValue + 50);
            node.promote(1, true);
            node.write(put("x", 1000)).get(2, TimeUnit.SECONDS);
            disk.holdFlusherForces();
            // each shrinks x and adds a big key: the shrink frees room only once, whichever applies first
            var first = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(
                    Mutation.put("x", new byte[10]), Mutation.put("y", new byte[1000])), "OK"));
            assertThatThrownBy(() -> node.decideAll(view -> new DecidedWrites<>(java.util.List.of(
                    Mutation.put("x", new byte[10]), Mutation.put("z", new byte[1000])), "OK")))
                    .isInstanceOf(NodeExceptions.MemoryFull.class);
            disk.stopHolding();
            first.get(5, TimeUnit.SECONDS);
            assertThat(node.memoryUsedBytes()).isLessThanOrEqualTo(node.settings().maxMemoryBytes());
            assertThat(node.read("z").value()).isNull();
        }

        @Test
        void lets_deletes_and_shrinking_writes_through_and_deletes_make_room() throws Exception {
            openWithBudget(3 * (dev.kvstore.store.state.MemoryEstimate.ENTRY_OVERHEAD_BYTES + 102));
            node.promote(1, true);
            for (int i = 0; i < 3; i++) {
                node.write(put("k" + i, 100)).get(2, TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> node.write(put("k3", 100))).isInstanceOf(NodeExceptions.MemoryFull.class);

            node.write(put("k0", 10)).get(2, TimeUnit.SECONDS); // shrinks
            node.write(LogEntry.delete(0, 0, "k1")).get(2, TimeUnit.SECONDS);
            node.write(put("k3", 100)).get(2, TimeUnit.SECONDS); // room again
            assertThat(node.read("k0").value()).hasSize(10);
            assertThat(node.read("k1").value()).isNull();
            assertThat(node.read("k3").value()).hasSize(100);
        }
    }

    @Nested
    class A_log_that_cannot_fsync {

        @Test
        void makes_the_store_not_ready_and_refuses_writes_at_once() throws Exception {
            primaryWithOneWrite();
            assertThat(node.ready()).isTrue();

            disk.failEveryForce(new IOException("Input/output error"));
            CompletableFuture<WriteResult> pending = node.write(put("b"));
            assertThatThrownBy(() -> pending.get(2, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("cannot make writes durable");
            assertThat(node.ready()).isFalse();
            assertThatThrownBy(() -> node.write(put("c")).get(2, TimeUnit.SECONDS))
                    .hasMessageContaining("cannot make writes durable");
            assertThat(node.read("a").value()).isNotNull();
        }
    }

    @Nested
    class Read_modify_write {

        private java.util.function.Function<byte[], Decision<String>> increment() {
            return current -> {
                long next = (current == null ? 0 : Long.parseLong(new String(current))) + 1;
                return Decision.put(Long.toString(next).getBytes(), Long.toString(next));
            };
        }

        @Test
        void decides_on_writes_logged_but_not_yet_committed_so_none_is_lost() throws Exception {
            primaryWithOneWrite();
            disk.holdFlusherForces();
            CompletableFuture<WriteResult> plain = node.write(LogEntry.put(0, 0, "n", "10".getBytes()));
            // the PUT of 10 is in the log, not committed: the increments build on it, not on "absent"
            var first = node.decide("n", increment());
            var second = node.decide("n", increment());
            assertThat(plain).isNotDone();
            assertThat(first).isNotDone();
            disk.stopHolding();
            assertThat(plain.get(5, TimeUnit.SECONDS).offset()).isPositive();
            assertThat(first.get(5, TimeUnit.SECONDS).reply()).isEqualTo("11");
            assertThat(second.get(5, TimeUnit.SECONDS).reply()).isEqualTo("12");
            assertThat(new String(node.read("n").value())).isEqualTo("12");
        }

        @Test
        void a_decision_to_write_nothing_on_a_pending_value_waits_for_that_value_to_commit() throws Exception {
            primaryWithOneWrite();
            disk.holdFlusherForces();
            node.write(LogEntry.put(0, 0, "k", "pending".getBytes()));
            var setnx = node.decide("k", current -> current == null ? Decision.put("x".getBytes(), 1) : Decision.none(0));
            // answering 0 now would reveal a value that could still be lost
            await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> !setnx.isDone());
            disk.stopHolding();
            Decision.Done<Integer> done = setnx.get(5, TimeUnit.SECONDS);
            assertThat(done.reply()).isZero();
            assertThat(done.wrote()).isFalse();
            assertThat(new String(node.read("k").value())).isEqualTo("pending");
        }

        @Test
        void a_decision_on_the_applied_state_that_writes_nothing_answers_at_once() throws Exception {
            primaryWithOneWrite();
            var done = node.decide("a", current -> current != null ? Decision.none("exists") : Decision.put(new byte[1], "x"));
            assertThat(done.get(1, TimeUnit.SECONDS).reply()).isEqualTo("exists");
        }

        @Test
        void concurrent_increments_from_many_threads_add_up() throws Exception {
            open(0);
            readablePrimary(1);
            int threads = 8;
            int each = 250;
            java.util.List<CompletableFuture<?>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.List<Thread> workers = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread worker = new Thread(() -> {
                    for (int i = 0; i < each; i++) {
                        all.add(node.decide("counter", increment()));
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            java.util.Set<String> replies = new java.util.HashSet<>();
            for (CompletableFuture<?> future : all) {
                replies.add((String) ((Decision.Done<?>) future.get(10, TimeUnit.SECONDS)).reply());
            }
            // every increment saw a different value: 1..2000, none lost, none applied twice
            assertThat(replies).hasSize(threads * each);
            assertThat(new String(node.read("counter").value())).isEqualTo(Integer.toString(threads * each));
        }

        @Test
        void is_refused_on_a_secondary() throws Exception {
            open(0);
            assertThatThrownBy(() -> node.decide("k", increment())).hasMessageContaining("writes go to the primary");
        }
    }

    @Nested
    class Multi_key_writes {

        private final byte[] one = "1".getBytes();

        private CompletableFuture<Decision.Done<String>> putAll(String... keys) {
            return node.decideAll(view -> new DecidedWrites<>(
                    java.util.Arrays.stream(keys).map(key -> Mutation.put(key, one)).toList(), "OK"));
        }

        @Test
        void several_keys_are_one_log_entry_applied_together_and_after_a_restart() throws Exception {
            open(0);
            readablePrimary(1);
            long offset = putAll("a", "b", "c").get(5, TimeUnit.SECONDS).offset();
            LogEntry entry = node.log().read(offset, 1).get(0);
            assertThat(entry.op()).isEqualTo(LogEntry.Op.BATCH);
            assertThat(entry.mutations()).extracting(Mutation::key).containsExactly("a", "b", "c");
            for (String key : java.util.List.of("a", "b", "c")) {
                assertThat(node.read(key).value()).as(key).isEqualTo(one);
            }
            node.close();
            open(0);
            readablePrimary(2);
            for (String key : java.util.List.of("a", "b", "c")) {
                assertThat(node.read(key).value()).as(key + " after a restart").isEqualTo(one);
            }
        }

        @Test
        void one_key_is_logged_as_the_plain_entry_every_release_reads() throws Exception {
            primaryWithOneWrite();
            long offset = putAll("only").get(5, TimeUnit.SECONDS).offset();
            assertThat(node.log().read(offset, 1).get(0).op()).isEqualTo(LogEntry.Op.PUT);
        }

        @Test
        void a_later_decision_reads_the_values_of_a_batch_not_yet_committed() throws Exception {
            primaryWithOneWrite();
            disk.holdFlusherForces();
            var batch = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(
                    Mutation.put("x", "5".getBytes()), Mutation.delete("a")), "OK"));
            var read = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(),
                    new String(view.get("x")) + "/" + (view.get("a") == null ? "gone" : "there")));
            assertThat(batch).isNotDone();
            disk.stopHolding();
            batch.get(5, TimeUnit.SECONDS);
            assertThat(read.get(5, TimeUnit.SECONDS).reply()).isEqualTo("5/gone");
            assertThat(node.read("a").value()).isNull();
        }

        @Test
        void an_entry_past_kv_max_entry_bytes_is_refused_and_nothing_is_applied() throws Exception {
            NodeSettings settings = new NodeSettings("kv-0", "test", "secret", dir, "127.0.0.1:1",
                    "http://127.0.0.1:2", ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50,
                    LEASE_MILLIS, 100_000, 10_000, NodeSettings.defaultMaxMemoryBytes(), -1, 1000);
            node = new StoreNode(settings, disk);
            readablePrimary(1);
            long before = node.log().lastOffset();
            byte[] big = new byte[400];
            assertThatThrownBy(() -> node.decideAll(view -> new DecidedWrites<>(java.util.List.of(
                    Mutation.put("p", big), Mutation.put("q", big), Mutation.put("r", big)), "OK")))
                    .isInstanceOf(NodeExceptions.EntryTooLarge.class).hasMessageContaining("kv.max-entry-bytes (1000)");
            assertThat(node.log().lastOffset()).isEqualTo(before);
            assertThat(node.read("p").value()).isNull();
        }

        @Test
        void with_kv_log_format_1_a_write_of_several_keys_is_refused_and_one_key_still_works() throws Exception {
            NodeSettings settings = new NodeSettings("kv-0", "test", "secret", dir, "127.0.0.1:1",
                    "http://127.0.0.1:2", ReplicationMode.SYNC, 0, FsyncPolicy.ALWAYS, 1024, 1 << 16, 5_000, 50,
                    LEASE_MILLIS, 100_000, 10_000, NodeSettings.defaultMaxMemoryBytes(), -1,
                    NodeSettings.DEFAULT_ENTRY_LIMIT_BYTES, 1);
            node = new StoreNode(settings, disk);
            readablePrimary(1);
            assertThatThrownBy(() -> putAll("p", "q")).isInstanceOf(NodeExceptions.FormatOff.class)
                    .hasMessageContaining("kv.log-format 1");
            assertThat(node.read("p").value()).isNull();
            putAll("p").get(5, TimeUnit.SECONDS);
            assertThat(node.read("p").value()).isEqualTo(one);
            // nor does it keep zeroed room past its log's end, which the release before would cut as a torn tail
            byte[] log = java.nio.file.Files.readAllBytes(dir.resolve("replication.log"));
            byte[] lastKib = java.util.Arrays.copyOfRange(log, Math.max(0, log.length - 1024), log.length);
            assertThat(lastKib).as("the log's last KiB").isNotEqualTo(new byte[lastKib.length]);
        }

        @Test
        void a_watch_is_broken_by_a_write_after_it_not_by_one_before_and_not_by_other_keys() throws Exception {
            primaryWithOneWrite();
            node.write(put("early")).get(5, TimeUnit.SECONDS);
            KeyView.WatchPoint watch = node.watch(java.util.List.of("k")).get("k").point();
            node.write(put("late")).get(5, TimeUnit.SECONDS);
            var seen = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(),
                    view.writtenSince("early", watch) + "/" + view.writtenSince("late", watch)
                            + "/" + view.writtenSince("never", watch)));
            assertThat(seen.get(5, TimeUnit.SECONDS).reply()).isEqualTo("false/true/false");
        }

        @Test
        void a_write_still_pending_at_watch_counts_as_one_after_it() throws Exception {
            // reads answer from the applied state: a client that read the key before its pending write
            // applied read the old value, so that write must break its watch
            primaryWithOneWrite();
            disk.holdFlusherForces();
            var pending = node.write(put("k"));
            KeyView.WatchPoint watch = node.watch(java.util.List.of("k")).get("k").point();
            disk.stopHolding();
            pending.get(5, TimeUnit.SECONDS);
            var seen = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(), view.writtenSince("k", watch)));
            assertThat(seen.get(5, TimeUnit.SECONDS).reply()).isTrue();
        }

        @Test
        void a_watch_from_an_earlier_term_counts_as_broken() throws Exception {
            primaryWithOneWrite();
            KeyView.WatchPoint watch = node.watch(java.util.List.of("k")).get("k").point();
            node.promote(2, true);
            readablePrimary(2);
            var seen = node.decideAll(view -> new DecidedWrites<>(java.util.List.of(), view.writtenSince("a", watch)));
            assertThat(seen.get(5, TimeUnit.SECONDS).reply()).isTrue();
        }
    }

    @Nested
    class Time_marks {

        @Test
        void each_write_follows_a_mark_of_the_millisecond_it_was_appended_in() throws Exception {
            primaryWithOneWrite();
            java.util.List<long[]> windows = new java.util.ArrayList<>(); // offset, before, after
            for (int i = 0; i < 200; i++) {
                long before = System.currentTimeMillis();
                long offset = node.write(put("t" + i)).get(2, TimeUnit.SECONDS).offset();
                windows.add(new long[] {offset, before, System.currentTimeMillis()});
            }
            java.util.Map<Long, LogEntry> log = new java.util.HashMap<>();
            node.log().read(1, 10_000).forEach(entry -> log.put(entry.offset(), entry));
            assertThat(log.get(1L).markedMillis()).as("the term's first entry is a mark").isPositive();
            long firstMillis = windows.get(0)[1];
            long lastMillis = windows.get(windows.size() - 1)[2];
            // marks strictly increase, so those made while these writes ran are at most one per millisecond of
            // it; the term's mark and the first write's came before and may each have a millisecond of their own
            long marksWhileWriting = log.values().stream()
                    .filter(entry -> entry.markedMillis() >= firstMillis).count();
            for (long[] window : windows) {
                long offset = window[0] - 1;
                while (log.get(offset).markedMillis() < 0) {
                    offset--;
                }
                assertThat(log.get(offset).markedMillis()).as("the mark before the write at %d", window[0])
                        .isBetween(window[1], window[2]);
            }
            assertThat(marksWhileWriting).as("marks: one per millisecond written in, not per write")
                    .isLessThanOrEqualTo(lastMillis - firstMillis + 1);
        }

        @Test
        void a_restart_after_compacting_every_mark_away_still_starts_its_term_no_earlier_than_the_newest()
                throws Exception {
            NodeSettings settings = snapshotsEveryTenEntries(0); // 5 entries kept behind each snapshot
            node = new StoreNode(settings, disk);
            receiveAMarkAnHourAheadThenThirtyWrites();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.log().startOffset() > 1);
            node.close();

            node = new StoreNode(settings, disk);
            assertThat(node.log().read(node.log().startOffset(), 100)).as("the restarted log holds no mark")
                    .allMatch(entry -> entry.markedMillis() < 0);
            assertThat(promotedTermsFirstMark()).as("the new term's first mark: marks only grow along the log")
                    .isGreaterThanOrEqualTo(anHourAhead);
        }

        /** A mark of a primary whose clock runs an hour ahead of this one's. */
        private final long anHourAhead = System.currentTimeMillis() + 3_600_000;

        /** As a secondary: a mark {@link #anHourAhead} at offset 1, then 30 writes, all committed. */
        private void receiveAMarkAnHourAheadThenThirtyWrites() {
            java.util.List<LogEntry> streamed = new java.util.ArrayList<>();
            streamed.add(LogEntry.timeMark(1, 1, anHourAhead));
            for (long offset = 2; offset <= 31; offset++) {
                streamed.add(LogEntry.put(1, offset, "k" + offset, "v".getBytes()));
            }
            node.appendReplicated(streamed);
            node.secondaryProgress(31, 31);
        }

        /** Promotes the open store (epoch 2) and returns the time of its term's first entry, a mark. */
        private long promotedTermsFirstMark() {
            node.promote(2, true);
            return node.log().read(node.log().lastOffset(), 1).get(0).markedMillis();
        }

        @Test
        void a_restart_after_a_snapshot_without_compaction_still_starts_its_term_no_earlier_than_the_newest()
                throws Exception {
            // the log keeps far more than it holds (no compaction), and a restart opens it after the snapshot
            NodeSettings settings = snapshotsEveryTenEntries(0, 10_000);
            node = new StoreNode(settings, disk);
            receiveAMarkAnHourAheadThenThirtyWrites();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.lastSnapshotOffset() == 31);
            assertThat(node.log().startOffset()).as("not compacted").isEqualTo(1);
            node.close();

            node = new StoreNode(settings, disk);
            assertThat(promotedTermsFirstMark()).as("the new term's first mark").isGreaterThanOrEqualTo(anHourAhead);
        }

        @Test
        void a_restart_after_a_received_snapshot_replaced_the_log_keeps_the_marks_it_held() throws Exception {
            open(0);
            receiveAMarkAnHourAheadThenThirtyWrites();
            Path received = dir.resolveSibling(dir.getFileName() + "-received");
            try (var out = java.nio.file.Files.newOutputStream(received)) {
                dev.kvstore.store.snapshot.SnapshotFile.writeTo(new dev.kvstore.store.snapshot.Snapshot(500,
                        dev.kvstore.store.log.EpochHistory.EMPTY.withEntry(1, 1),
                        dev.kvstore.store.snapshot.SnapshotData.of(java.util.Map.of("b", "w".getBytes()))), out);
            }
            node.installSnapshot(received, null);
            node.close();

            open(0);
            assertThat(node.log().lastOffset()).as("the log continues the snapshot, empty").isEqualTo(500);
            assertThat(promotedTermsFirstMark()).as("the new term's first mark").isGreaterThanOrEqualTo(anHourAhead);
        }
    }

    @Nested
    class Expiry {

        @Test
        void the_primary_deletes_a_key_whose_time_passed_with_a_logged_delete() throws Exception {
            primaryWithOneWrite();
            long at = System.currentTimeMillis() + 300;
            node.decideAll(view -> new DecidedWrites<>(java.util.List.of(Mutation.put("short", "v".getBytes(), at)), "OK"))
                    .get(5, TimeUnit.SECONDS);
            assertThat(node.read("short").value()).isEqualTo("v".getBytes());
            assertThat(node.expiresAtMillis("short")).isEqualTo(at);
            long before = node.log().lastOffset();
            await().atMost(Duration.ofSeconds(5)).until(() -> node.log().read(before + 1, 10).stream()
                    .anyMatch(entry -> entry.op() != LogEntry.Op.NOOP));
            LogEntry delete = node.log().read(before + 1, 10).stream().filter(entry -> entry.op() != LogEntry.Op.NOOP)
                    .findFirst().orElseThrow(); // after a time mark when the millisecond is a new one
            assertThat(delete.op()).isEqualTo(LogEntry.Op.DELETE);
            assertThat(delete.keyString()).isEqualTo("short");
            await().atMost(Duration.ofSeconds(5)).until(() -> node.keyCount() == 1); // "a" stays
            assertThat(node.read("short").value()).isNull();
        }

        @Test
        void a_key_written_again_without_a_time_to_live_is_not_deleted() throws Exception {
            primaryWithOneWrite();
            long at = System.currentTimeMillis() + 200;
            node.decideAll(view -> new DecidedWrites<>(java.util.List.of(Mutation.put("k", "1".getBytes(), at)), "OK"))
                    .get(5, TimeUnit.SECONDS);
            node.write(LogEntry.put(0, 0, "k", "2".getBytes())).get(5, TimeUnit.SECONDS);
            long last = node.log().lastOffset();
            // past the first value's time, several expirer rounds: no delete logged
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> node.log().lastOffset() == last);
            assertThat(node.read("k").value()).isEqualTo("2".getBytes());
        }

        @Test
        void a_key_rewritten_but_not_yet_committed_when_its_old_time_passes_is_not_deleted() throws Exception {
            primaryWithOneWrite();
            long at = System.currentTimeMillis() + 150;
            node.decideAll(view -> new DecidedWrites<>(java.util.List.of(Mutation.put("k", "1".getBytes(), at)), "OK"))
                    .get(5, TimeUnit.SECONDS);
            disk.holdFlusherForces();
            CompletableFuture<WriteResult> rewrite = node.write(LogEntry.put(0, 0, "k", "2".getBytes()));
            long last = node.log().lastOffset();
            // the applied state still has the old value, past its time; the pending one has none: no delete logged
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> node.log().lastOffset() == last);
            disk.stopHolding();
            rewrite.get(5, TimeUnit.SECONDS);
            assertThat(node.read("k").value()).isEqualTo("2".getBytes());
        }

        @Test
        void keeping_the_time_to_live_of_a_value_past_its_time_keeps_none() throws Exception {
            primaryWithOneWrite();
            disk.holdFlusherForces();
            long at = System.currentTimeMillis() + 50;
            node.decideAll(view -> new DecidedWrites<>(java.util.List.of(Mutation.put("k", "1".getBytes(), at)), "OK"));
            await().until(() -> System.currentTimeMillis() > at); // the pending value is past its time
            var keep = node.decide("k", current -> Decision.putKeepingTtl("2".getBytes(), current == null ? "absent" : "there"));
            disk.stopHolding();
            Decision.Done<String> done = keep.get(5, TimeUnit.SECONDS);
            assertThat(done.reply()).isEqualTo("absent");
            LogEntry entry = node.log().read(done.offset(), 1).get(0);
            assertThat(entry.mutations().get(0).expiresAtMillis()).as("no time already past copied onto the new value")
                    .isZero();
            assertThat(node.read("k").value()).isEqualTo("2".getBytes());
        }

        @Test
        void a_value_with_a_time_to_live_is_a_batch_entry_and_a_secondary_never_deletes_on_its_clock() throws Exception {
            open(0);
            // a secondary: entries come from a primary; it applies them, and hides what expired
            long past = System.currentTimeMillis() - 1;
            node.appendReplicated(java.util.List.of(LogEntry.noop(1, 1),
                    LogEntry.batch(1, 2, java.util.List.of(Mutation.put("gone", "v".getBytes(), past)))));
            node.secondaryProgress(2, 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> node.keyCount() == 1);
            assertThat(node.read("gone").value()).as("hidden by its own clock").isNull();
            // a secondary logs nothing of its own, and keeps the key
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> node.log().lastOffset() == 2 && node.keyCount() == 1);
        }
    }

    @Nested
    class Backups {

        @Test
        void a_store_whose_log_stopped_gives_no_backup_of_its_map() throws Exception {
            // a failed snapshot install or reload stops the log and leaves the map half built or empty:
            // frozen as a backup, it would look like a whole one at an offset the store no longer holds
            primaryWithOneWrite();
            node.log().stop("the disk failed while the map was rebuilt", new IOException("EIO"));

            assertThatThrownBy(node::backupSnapshot).isInstanceOf(NodeExceptions.Unavailable.class)
                    .hasMessageContaining("can no longer");
        }

        @Test
        void a_store_that_works_gives_its_applied_data() throws Exception {
            primaryWithOneWrite();

            var snapshot = node.backupSnapshot();

            assertThat(snapshot.lastIncludedOffset()).isEqualTo(node.status().appliedOffset());
            assertThat(snapshot.data().size()).as("keys").isEqualTo(1);
        }
    }

    @Test
    void a_store_fenced_for_maintenance_refuses_reads_promotion_and_following_and_stays_fenced_when_reopened()
            throws Exception {
        open(0);
        node.fence(1);

        NodeStatus fenced = node.maintenanceFence(true);

        assertThat(fenced.maintenanceFenced()).isTrue();
        assertThat(node.ready()).isFalse();
        assertThatThrownBy(() -> node.read("a")).isInstanceOf(NodeExceptions.Unavailable.class)
                .hasMessageContaining("fenced for maintenance");
        assertThatThrownBy(() -> node.promote(2, true)).isInstanceOf(NodeExceptions.WrongRole.class);
        assertThatThrownBy(() -> node.follow(2, "127.0.0.1:7400", "http://127.0.0.1:8080"))
                .isInstanceOf(NodeExceptions.WrongRole.class);
        assertThat(node.status().role()).isEqualTo("none");
        assertThat(node.epoch()).as("a refused promotion raises no epoch").isEqualTo(1);

        node.close();
        open(0);
        assertThat(node.status().maintenanceFenced()).as("fenced after a restart").isTrue();
        assertThatThrownBy(() -> node.promote(2, true)).isInstanceOf(NodeExceptions.WrongRole.class);

        node.maintenanceFence(false);
        node.close();
        open(0);
        assertThat(node.status().maintenanceFenced()).isFalse();
        node.promote(2, true);
        assertThat(node.status().role()).isEqualTo("primary");
    }

    @Test
    void fencing_a_following_secondary_closes_its_stream_and_nothing_streamed_is_appended_after() throws Exception {
        open(0);
        java.util.concurrent.atomic.AtomicBoolean linkOpen = new java.util.concurrent.atomic.AtomicBoolean();
        node.attach(new StoreNode.Fanout() {
            public void entriesAppended() { }

            public void closeAll(String reason) { }
        }, (of, host, port, epoch) -> {
            linkOpen.set(true);
            return new StoreNode.Link() {
                public boolean following() {
                    return linkOpen.get();
                }

                public void close() {
                    linkOpen.set(false);
                }
            };
        });
        node.follow(1, "127.0.0.1:7400", "http://127.0.0.1:8080");
        node.appendReplicated(java.util.List.of(LogEntry.noop(1, 1)));
        assertThat(node.ready()).as("a following secondary").isTrue();
        long before = node.log().lastOffset();

        NodeStatus fenced = node.maintenanceFence(true);

        assertThat(linkOpen.get()).as("its stream closed").isFalse();
        assertThat(node.ready()).isFalse();
        assertThat(fenced.role()).isEqualTo("none");
        assertThat(fenced.primary()).isNull();
        assertThat(fenced.following()).isFalse();
        // a backlog decoded before the close, drained after it
        assertThatThrownBy(() -> node.appendReplicated(java.util.List.of(LogEntry.noop(1, 2))))
                .isInstanceOf(NodeExceptions.WrongRole.class);
        assertThat(node.log().lastOffset()).isEqualTo(before);

        node.maintenanceFence(false);
        node.follow(1, "127.0.0.1:7400", "http://127.0.0.1:8080");
        assertThat(node.ready()).as("following again once lifted").isTrue();
    }

    @Test
    void a_promotion_while_the_fence_is_written_is_refused_and_nothing_leaves_a_primary_fenced() throws Exception {
        open(0);
        node.fence(2); // the epoch of the promotion below already persisted: it waits for no disk of its own
        disk.slowDirectoryForces(1_000);
        CompletableFuture<NodeStatus> fencing = CompletableFuture.supplyAsync(() -> node.maintenanceFence(true));
        await().atMost(Duration.ofSeconds(5)).until(() -> disk.slowForcesInProgress() > 0);

        // the fence file is on its way to disk: the fence is in force already
        assertThatThrownBy(() -> node.promote(2, true)).isInstanceOf(NodeExceptions.WrongRole.class);

        assertThat(fencing.get(10, TimeUnit.SECONDS).maintenanceFenced()).isTrue();
        assertThat(node.status().role()).isEqualTo("none");
        assertThat(node.secondaryProgress(5, 5)).as("nothing taken, nothing to echo").isFalse();
    }

    @Test
    void the_primary_refuses_a_maintenance_fence_and_keeps_taking_writes() throws Exception {
        primaryWithOneWrite();

        assertThatThrownBy(() -> node.maintenanceFence(true)).isInstanceOf(NodeExceptions.WrongRole.class)
                .hasMessageContaining("switch over");

        assertThat(node.status().maintenanceFenced()).isFalse();
        node.write(put("b")).get(2, TimeUnit.SECONDS);
        node.close();
        open(0);
        assertThat(node.status().maintenanceFenced()).as("the refused fence was not kept on disk").isFalse();
    }

    @Test
    void a_maintenance_fence_file_that_says_neither_is_refused_at_start_with_what_to_write() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("maintenance-fence"), "maybe");

        assertThatThrownBy(() -> open(0)).isInstanceOf(IOException.class)
                .hasMessageContaining("neither 'fenced' nor 'released'");
        node = null;
    }
}
