package dev.kvstore.store.node;

import dev.kvstore.core.ReplicationMode;
import dev.kvstore.core.Role;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.disk.DiskSpace;
import dev.kvstore.store.disk.GuardedDiskSync;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogFailedException;
import dev.kvstore.store.log.LogFormat;
import dev.kvstore.store.log.Mutation;
import dev.kvstore.store.log.Quarantine;
import dev.kvstore.store.log.ReplicationLog;
import dev.kvstore.store.state.KvState;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.kvstore.store.snapshot.Snapshot;
import dev.kvstore.store.snapshot.SnapshotFile;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jboss.logging.Logger;

/**
 * One store: its log, its state and its role. Roles change only by admin calls (fence, promote,
 * follow) or by learning of a newer epoch, which can only take a role away. A store never promotes
 * itself.
 */
public final class StoreNode implements Closeable {

    private static final Logger LOG = Logger.getLogger(StoreNode.class);

    /** The replication server as the node sees it: what a primary tells its secondaries. */
    public interface Fanout {
        void entriesAppended();

        void closeAll(String reason);

        /** The lowest log offset a connected secondary will still read (its snapshot's end while one travels). */
        default long lowestOffsetNeeded() {
            return Long.MAX_VALUE;
        }

        /**
         * A store streaming from this primary that reads only log formats below {@code format} (its
         * name and format, for the refusal), or null when every one reads it.
         */
        default String storeBelowFormat(int format) {
            return null;
        }

        /** The secondaries streaming from this store now, for INFO and ROLE. */
        default List<SecondaryView> secondaries() {
            return List.of();
        }
    }

    /**
     * A connected secondary as the primary sees it: who, from where, how far it has acknowledged, and
     * its Redis-protocol port (0: it did not say; releases of log format 1 do not).
     */
    public record SecondaryView(String nodeId, String host, long ackedOffset, int respPort) {
    }

    private volatile int respPort;
    private volatile int primaryRespPort;

    /** This store's Redis-protocol port, once it listens: told to the primary, or by a primary to its secondaries. */
    public void respPortIs(int port) {
        respPort = port;
    }

    public int respPort() {
        return respPort;
    }

    /** The Redis-protocol port of the primary this store follows, as its Welcome said (0: unknown). */
    public void primaryRespPortIs(int port) {
        primaryRespPort = port;
    }

    public int primaryRespPort() {
        return primaryRespPort;
    }

    /** A running connection from this secondary to its primary. */
    public interface Link extends Closeable {
        boolean following();

        @Override
        void close();
    }

    /** Starts following a primary at host:port. */
    public interface LinkFactory {
        Link follow(StoreNode node, String host, int port, long epoch);
    }

    private final NodeSettings settings;
    private final DurableFiles files;
    private final ReplicationLog log;
    private final KvState state = new KvState();
    private final Quarantine quarantine;
    private final PersistentEpoch epoch;
    private final CommitHint commitHint;
    private final SnapshotFile snapshotFile;
    /** How often the data volume's free space is measured; the reserve covers what arrives in between. */
    private static final long DISK_MEASURE_MS = 200;
    /**
     * Inside the pod's grace period (10 s, 2 s of it the preStop sleep), leaving time for the final
     * force: a snapshot still being written then is left (its file is renamed into place only once
     * complete, and the compaction after it is refused by the closed log).
     */
    private static final long SNAPSHOT_FINISH_AT_CLOSE_MS = 5_000;
    /** The primary's expirer: how often it looks for keys whose time has passed, and at most how many per round. */
    private static final long EXPIRE_EVERY_MS = 100;
    private static final int EXPIRE_PER_ROUND = 500;
    private final java.util.concurrent.ScheduledExecutorService expirer =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("expirer"));
    private final DiskSpace diskSpace;
    private final java.util.concurrent.ScheduledExecutorService diskWatch =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("disk-space"));
    private final ExecutorService snapshotter = Executors.newSingleThreadExecutor(DaemonThreads.named("snapshotter"));
    /** Fails a client's wait for a commit after kv.write-timeout-ms (the write stays in the log and may commit). */
    private final WriteDeadlines deadlines;
    private final SnapshotSchedule snapshotSchedule;
    /** The snapshot file on disk: where it ends, its keys and its size, published together. */
    private volatile SnapshotSchedule.Mark lastSnapshot = SnapshotSchedule.Mark.NONE;
    private final AtomicBoolean snapshotRunning = new AtomicBoolean();
    /** The applied offset at which the last snapshot did not fit on the volume (-1: none). */
    private volatile long snapshotSkippedForRoomAt = -1;
    /**
     * Held while the snapshot file is written and renamed (the store's own snapshot) or replaced and read
     * back (one installed from the primary): the two must never interleave, or an install would load the
     * older file. Taken before the node's monitor, never inside it.
     */
    private final Object snapshotFileLock = new Object();
    /** A snapshot is being streamed into the map: reads would see part of it, so they are refused. */
    private volatile boolean loading;
    private final java.util.concurrent.atomic.AtomicLong snapshotsInstalled = new java.util.concurrent.atomic.AtomicLong();
    private final ReentrantReadWriteLock roleLock = new ReentrantReadWriteLock();
    /**
     * Held while a write is appended, and while a read-modify-write command reads the current value and
     * appends its result: nothing is logged between the read and the append.
     */
    private final java.util.concurrent.locks.ReentrantLock appendLock = new java.util.concurrent.locks.ReentrantLock();
    private final PendingWrites pending = new PendingWrites(state::appliedOffset);
    private final WriteStamps stamps = new WriteStamps();
    /** The offset of this primary term's first entry: read-modify-write waits until it is applied. */
    private volatile long termStartOffset = Long.MAX_VALUE;
    /** The data's memory budget: what writes in flight may still add. */
    private final MemoryReservations memory;
    private volatile Fanout fanout = new Fanout() {
        public void entriesAppended() { }

        public void closeAll(String reason) { }
    };
    private LinkFactory linkFactory;

    private volatile Role role = Role.NONE;
    private volatile boolean fenced;
    private final MaintenanceFence maintenance;
    /** Which time marks this store writes as primary; under the append lock (or the role lock held for writing). */
    private final TimeMarks timeMarks;
    /** Held while streamed entries are appended: see {@link #appendReplicated}. */
    private final Object replicatedAppends = new Object();
    private volatile long termEpoch;
    private volatile CommitTracker tracker;
    private volatile Link link;
    private volatile String primaryReplication;
    private volatile String primaryHttp;
    private volatile long secondaryCommit;
    private volatile long primaryLastOffset;
    private volatile long writesAllowedAtNanos = Long.MIN_VALUE;
    private volatile long writesPausedUntilNanos;

    public StoreNode(NodeSettings settings) throws IOException {
        this(settings, GuardedDiskSync.system());
    }

    /** With the given disk: tests slow it down, fail it, or watch which threads use it. */
    public StoreNode(NodeSettings settings, DiskSync disk) throws IOException {
        this.settings = settings;
        this.memory = new MemoryReservations(state, settings.maxMemoryBytes());
        this.deadlines = new WriteDeadlines(settings.writeTimeoutMillis());
        this.snapshotSchedule = settings.snapshotSchedule();
        this.files = new DurableFiles(disk);
        Path dir = settings.dataDir();
        files.createDirectories(dir);
        this.epoch = new PersistentEpoch(dir, disk);
        this.maintenance = new MaintenanceFence(dir, disk);
        this.timeMarks = new TimeMarks(System::currentTimeMillis);
        this.snapshotFile = new SnapshotFile(dir, settings.maxEntryBytes(), disk);
        removeUnfinishedSnapshots(dir);
        // the snapshot's pairs stream straight into the map: no second copy of the data set
        Optional<SnapshotFile.Header> snapshot = loadSnapshot();
        long base = snapshot.map(SnapshotFile.Header::lastIncludedOffset).orElse(0L);
        this.log = new ReplicationLog(dir, disk, settings.fsync(), settings.maxEntryBytes(), base,
                snapshot.map(SnapshotFile.Header::history).orElse(EpochHistory.EMPTY));
        if (settings.logFormat() == LogFormat.BASIC) {
            // kept for a rollback to a release before the log's room, which would cut the room with a warning
            try {
                log.keepNoRoom();
            } catch (IOException | RuntimeException e) {
                try {
                    log.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
        this.lastSnapshot = new SnapshotSchedule.Mark(base, state.size(), fileSize(snapshotFile.path()));
        this.diskSpace = new DiskSpace(DiskSpace.Volume.of(dir), settings.minFreeDiskBytes());
        this.quarantine = new Quarantine(dir.resolve("quarantine"), settings.maxEntryBytes(), disk);
        this.commitHint = new CommitHint(dir);
        // everything up to the last commit point this node heard of is safe to show again
        applyUpTo(Math.min(commitHint.read(), log.lastOffset()));
        log.onDurable(this::onLocalDurable);
        log.onFailure(this::onLogFailure);
        // last: a constructor that throws earlier leaves no thread behind
        diskWatch.scheduleWithFixedDelay(this::measureDisk, DISK_MEASURE_MS, DISK_MEASURE_MS, TimeUnit.MILLISECONDS);
        expirer.scheduleWithFixedDelay(this::expireDue, EXPIRE_EVERY_MS, EXPIRE_EVERY_MS, TimeUnit.MILLISECONDS);
        deadlines.start();
        LOG.infof("store %s opened: epoch %d, log %s, applied %d, quarantined %d", settings.nodeId(), epoch.get(),
                log.lastPosition(), state.appliedOffset(), quarantine.entries());
    }

    public void attach(Fanout fanout, LinkFactory linkFactory) {
        this.fanout = fanout;
        this.linkFactory = linkFactory;
    }

    public NodeSettings settings() {
        return settings;
    }

    public ReplicationLog log() {
        return log;
    }

    public long epoch() {
        return epoch.get();
    }

    public Role role() {
        return role;
    }

    // ---------------------------------------------------------------- client operations

    /**
     * Hears how long each committed write took from admission to commit (nanoseconds): client writes, also one
     * whose client stopped waiting, and the primary's expiry deletes. Metrics listen.
     */
    private volatile java.util.function.LongConsumer commitLatency = nanos -> { };

    public void onCommitLatency(java.util.function.LongConsumer listener) {
        commitLatency = listener;
    }

    /** Hands a committed write's latency to the listener, and never lets it turn that write into a failed one. */
    private final java.util.function.LongConsumer recordCommitLatency = nanos -> {
        try {
            commitLatency.accept(nanos);
        } catch (RuntimeException e) {
            LOG.debugf("commit latency not recorded: %s", e);
        }
    };

    public CompletableFuture<WriteResult> write(LogEntry operation) {
        long admitted = System.nanoTime();
        roleLock.readLock().lock();
        LogEntry entry;
        CommitTracker commits;
        long reserved = 0;
        try {
            refuseUnlessTakingWrites();
            refuseIfNoRoom(operation.op());
            reserved = memory.reserve(operation);
            refuseWithoutGoodReplicas();
            commits = tracker;
            entry = appendOwn(operation);
        } catch (LogFailedException e) {
            memory.release(reserved);
            throw new NodeExceptions.NotDurable(e.getCause().getMessage());
        } catch (RuntimeException e) {
            memory.release(reserved);
            throw e;
        } finally {
            roleLock.readLock().unlock();
        }
        fanout.entriesAppended();
        return clientWait(commits, entry, reserved, admitted);
    }

    /** A client's wait for the commit of {@code entry} (see {@link ClientWait}), failed after kv.write-timeout-millis. */
    private CompletableFuture<WriteResult> clientWait(CommitTracker commits, LogEntry entry, long reserved, long admitted) {
        ClientWait wait = new ClientWait(entry.epoch(), entry.offset(), reserved, admitted, memory, recordCommitLatency);
        commits.await(wait);
        return deadlines.bounded(wait);
    }

    /**
     * Whether this primary may close the replication connection of {@code nodeId} without refusing a write:
     * its other good secondaries meet {@code kv.min-sync-replicas} (always, for a store that is no primary).
     */
    public boolean replicaDispensable(String nodeId) {
        CommitTracker commits = tracker;
        return commits == null || commits.enoughGoodReplicasWithout(nodeId, System.nanoTime(),
                TimeUnit.MILLISECONDS.toNanos(goodReplicaWithinMillis()));
    }

    /**
     * How recent a secondary's last acknowledgement must be for it to count as good: several leases,
     * so that a secondary busy with an fsync or a pause of a few hundred milliseconds still counts
     * (its acknowledgements also carry the heartbeats, every kv.heartbeat-millis).
     */
    private long goodReplicaWithinMillis() {
        return Math.max(1_000, 4 * settings.leaseMillis());
    }

    /** Caller holds the role read lock. */
    private void refuseUnlessTakingWrites() {
        refuseUnlessActivePrimary();
        if (System.nanoTime() < writesAllowedAtNanos) {
            throw new NodeExceptions.Unavailable("new primary is waiting out the old primary's read lease; retry");
        }
        refuseWhilePaused();
    }

    /** Primary of a term not yet deposed, with a working log. Caller holds the role read lock. */
    private void refuseUnlessActivePrimary() {
        if (role != Role.PRIMARY) {
            throw new NodeExceptions.NotPrimary("this store is " + role.label() + ", writes go to the primary",
                    primaryHttp);
        }
        if (fenced || termEpoch < epoch.get()) {
            // the second: a newer epoch is already on disk, its step-down is a moment away
            throw new NodeExceptions.Fenced("this primary was deposed: epoch " + epoch.get()
                    + " is newer than its term " + termEpoch);
        }
        if (log.failure() != null) {
            throw new NodeExceptions.NotDurable(log.failure().getMessage());
        }
    }

    private void refuseWhilePaused() {
        if (System.nanoTime() < writesPausedUntilNanos) {
            throw new NodeExceptions.Unavailable("writes are paused for a switchover; retry");
        }
    }

    /**
     * After the memory and disk checks, as Redis orders OOM, MISCONF and NOREPLICAS: a write the store
     * could not hold anyway says so first. Caller holds the role read lock.
     */
    private void refuseWithoutGoodReplicas() {
        CommitTracker commits = tracker;
        String tooFew = commits == null ? null
                : commits.tooFewGoodReplicas(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(goodReplicaWithinMillis()));
        if (tooFew != null) {
            throw new NodeExceptions.NoReplicas("Not enough good replicas to write. (" + tooFew + "); nothing was stored");
        }
    }

    private void refuseIfNoRoom(LogEntry.Op op) {
        String noRoom = diskSpace.refusal(op == LogEntry.Op.DELETE);
        if (noRoom != null) {
            throw new NodeExceptions.DiskFull(noRoom);
        }
    }

    /** Appends a PUT or DELETE of this term and records it as pending. Caller holds the role read lock. */
    private LogEntry appendOwn(LogEntry operation) {
        appendLock.lock();
        try {
            LogEntry entry = appendMarked(new LogEntry(termEpoch, 0, operation.op(), operation.key(), operation.value()));
            recordAppended(entry);
            return entry;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * A time mark before the first write of each millisecond of this primary's clock, so that a restore to a
     * point in time can cut the log between the writes made before it and those made after (to the
     * millisecond). A clock set back writes no mark until it passes the last one again: the writes between
     * count as made at that mark. The mark and the entry go into the log together. Caller holds the append lock.
     */
    private LogEntry appendMarked(LogEntry operation) {
        return log.appendNext(operation, timeMarks.beforeWrite());
    }

    /**
     * A time mark alone, for a secondary about to receive a snapshot: its log will start after the snapshot,
     * which holds no marks, so without one after it that store, promoted before the next write, would know no
     * mark and (with a slower clock) could start its term below marks already archived. At the newest mark
     * this primary wrote when its clock is behind it. One entry and its fsync per snapshot sent; also while a new
     * primary waits out its predecessor's lease (a mark changes no data). Nothing, and false, when this store is
     * not the active primary or is paused for a switchover (its last entry is then what its secondaries catch
     * up to before another store takes over).
     */
    public boolean appendTimeMark() {
        roleLock.readLock().lock();
        try {
            refuseUnlessActivePrimary();
            refuseWhilePaused();
            appendLock.lock();
            try {
                log.appendNext(LogEntry.timeMark(termEpoch, 0, timeMarks.alone()));
            } finally {
                appendLock.unlock();
            }
        } catch (NodeExceptions.NotPrimary | NodeExceptions.Fenced | NodeExceptions.NotDurable
                 | NodeExceptions.Unavailable notNow) {
            return false;
        } catch (LogFailedException e) {
            return false; // the log stopped: this store takes nothing more, and its status says why
        } finally {
            roleLock.readLock().unlock();
        }
        fanout.entriesAppended();
        return true;
    }

    /** Caller holds the append lock. */
    private void recordAppended(LogEntry entry) {
        if (entry.changesOneKey()) {
            // one key, most writes: its String made once, and no mutation list for it
            String key = entry.keyString();
            pending.appended(entry.offset(), key, entry.op() == LogEntry.Op.PUT ? entry.value() : null, 0);
            stamps.wrote(key, entry.offset());
            return;
        }
        for (Mutation mutation : entry.mutations()) { // decoded once: each call makes the keys' Strings anew
            pending.appended(entry.offset(), mutation.key(), mutation.value(), mutation.expiresAtMillis());
            stamps.wrote(mutation.key(), entry.offset());
        }
    }

    /** A read-modify-write command on one key: {@link #decideAll} with a rule on that key's value. */
    public <R> CompletableFuture<Decision.Done<R>> decide(String key,
                                                         java.util.function.Function<byte[], Decision<R>> rule) {
        return decideAll(view -> DecidedWrites.of(rule.apply(view.get(key)), key, view));
    }

    /**
     * Where the log stands for a WATCH: a later {@link KeyView#writtenSince} tells whether a key was
     * written after it. Only the primary keeps the stamps that answer it.
     */
    private KeyView.WatchPoint currentWatchPoint() {
        // the applied offset, not the log's end: reads answer from the applied state, so a write still
        // pending at WATCH must count as one after it (a false abort at worst, never a missed write)
        return new KeyView.WatchPoint(termEpoch, state.appliedOffset());
    }

    /** Runs {@code work} while this store takes writes and nothing is appended. */
    private <T> T whileTakingWrites(java.util.function.Supplier<T> work) {
        roleLock.readLock().lock();
        try {
            refuseUnlessTakingWrites();
            appendLock.lock();
            try {
                return work.get();
            } finally {
                appendLock.unlock();
            }
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /**
     * WATCH of {@code keys}: where the log stands, and when each key's applied value expires (a watched
     * key that expires before EXEC aborts it). Needs only that this store takes writes, not its read
     * lease: a WATCH reads nothing the client sees.
     */
    public java.util.Map<String, KeyView.Watch> watch(List<String> keys) {
        return whileTakingWrites(() -> {
            KeyView.WatchPoint point = currentWatchPoint();
            long now = System.currentTimeMillis();
            java.util.Map<String, KeyView.Watch> watches = new java.util.LinkedHashMap<>();
            for (String key : keys) {
                // read after the point: a write applied between the two is one after it (an abort at worst)
                KvState.Value value = state.current(key, now);
                watches.put(key, new KeyView.Watch(point, value == null ? 0 : value.expiresAtMillis()));
            }
            return watches;
        });
    }

    /**
     * A command that decides from the current values of any keys (INCR, SETNX, MSETNX, DEL, a
     * transaction): {@code rule} reads them on this primary, counting every write logged before it,
     * committed or not, and its writes are logged as one entry (a PUT or DELETE for one key, a BATCH
     * for several: all or none on every store); the reply comes once that is committed. A decision to
     * write nothing is answered once what it read is committed (a value still pending could yet be
     * lost), or at once under the read lease when it read the applied state.
     */
    public <R> CompletableFuture<Decision.Done<R>> decideAll(java.util.function.Function<KeyView, DecidedWrites<R>> rule) {
        long admitted = System.nanoTime();
        roleLock.readLock().lock();
        DecidedWrites<R> decision;
        LogEntry entry = null;
        CommitTracker commits;
        long dependsOn;
        long reserved = 0;
        try {
            refuseUnlessTakingWrites();
            if (state.appliedOffset() < termStartOffset) {
                // before that, entries of earlier terms may sit in the log unapplied and unseen by PendingWrites
                throw new NodeExceptions.Unavailable("new primary is still applying its log; retry");
            }
            commits = tracker;
            appendLock.lock();
            try {
                NewestValues view = new NewestValues();
                decision = rule.apply(view);
                dependsOn = view.dependsOn;
                List<Mutation> writes = lastPerKey(decision.writes());
                if (!writes.isEmpty()) {
                    LogEntry operation = entryOf(writes);
                    refuseIfNoRoom(operation.op());
                    reserved = memory.reserve(writes);
                    refuseWithoutGoodReplicas();
                    entry = appendMarked(operation);
                    recordAppended(entry);
                }
            } finally {
                appendLock.unlock();
            }
        } catch (LogFailedException e) {
            memory.release(reserved);
            throw new NodeExceptions.NotDurable(e.getCause().getMessage());
        } catch (RuntimeException e) {
            memory.release(reserved);
            throw e;
        } finally {
            roleLock.readLock().unlock();
        }
        R reply = decision.reply();
        if (entry == null) {
            if (dependsOn == 0) {
                requireReadable();
                return CompletableFuture.completedFuture(new Decision.Done<>(reply, 0, false));
            }
            long offset = dependsOn;
            return deadlines.bounded(commits.awaitCommit(dependsOn).copy())
                    .thenApply(committed -> new Decision.Done<>(reply, offset, false));
        }
        fanout.entriesAppended();
        long offset = entry.offset();
        return clientWait(commits, entry, reserved, admitted)
                .thenApply(committed -> new Decision.Done<>(reply, offset, true));
    }

    /**
     * The primary deletes keys whose time has passed, as Redis's master does, with logged DELETEs: a
     * store never deletes on its own clock, so every store holds the same keys at an offset (and a
     * secondary only hides such a key from reads meanwhile). A key written again since (a pending value)
     * is checked as it is now, not as the applied state had it.
     */
    private void expireDue() {
        if (role != Role.PRIMARY) {
            return;
        }
        long now = System.currentTimeMillis();
        for (String key : state.dueKeys(now, EXPIRE_PER_ROUND)) {
            try {
                decideAll(view -> ((NewestValues) view).expired(key)
                        ? new DecidedWrites<>(List.of(Mutation.delete(key)), null)
                        : new DecidedWrites<>(List.of(), null));
            } catch (RuntimeException notNow) {
                // not (or no longer) taking writes: the next primary's expirer deletes it
                return;
            }
        }
    }

    /** Each key's last change only, in the order the keys were first changed (MSET k a k b sets b). */
    private static List<Mutation> lastPerKey(List<Mutation> writes) {
        if (writes.size() < 2) {
            return writes;
        }
        java.util.LinkedHashMap<String, Mutation> last = new java.util.LinkedHashMap<>();
        writes.forEach(mutation -> last.put(mutation.key(), mutation));
        return List.copyOf(last.values());
    }

    /**
     * One key's change as the entry every release reads; several as a BATCH, which only stores of
     * {@link LogFormat#BATCHES} read: refused while one that does not is streaming from this primary
     * (during a rolling update), and refused when larger than {@code kv.max-entry-bytes}. Caller
     * holds the append lock.
     */
    private LogEntry entryOf(List<Mutation> writes) {
        if (writes.size() == 1 && !writes.get(0).expires()) {
            Mutation only = writes.get(0);
            return only.deletes()
                    ? new LogEntry(termEpoch, 0, LogEntry.Op.DELETE, only.keyBytes(), null)
                    : new LogEntry(termEpoch, 0, LogEntry.Op.PUT, only.keyBytes(), only.value());
        }
        int bytes = dev.kvstore.store.log.BatchCodec.encodedSize(writes);
        if (bytes > settings.entryLimitBytes()) {
            throw new NodeExceptions.EntryTooLarge("the command's " + writes.size() + " key changes take " + bytes
                    + " bytes, more than kv.max-entry-bytes (" + settings.entryLimitBytes() + "); nothing was applied");
        }
        if (settings.logFormat() < LogFormat.BATCHES) {
            throw new NodeExceptions.FormatOff("a write of several keys or with a time to live needs log format "
                    + LogFormat.BATCHES
                    + ", and this store has kv.log-format " + settings.logFormat() + " (kept so that a rollback to an"
                    + " earlier release stays possible); nothing was applied");
        }
        Fanout streams = fanout;
        String behind = streams == null ? null : streams.storeBelowFormat(LogFormat.BATCHES);
        if (behind != null) {
            throw new NodeExceptions.Unavailable("a write of several keys or with a time to live needs every store"
                    + " on log format "
                    + LogFormat.BATCHES + ", and " + behind + " (an older release) reads only format " + LogFormat.BASIC
                    + ": retry once the rolling update is done; nothing was applied");
        }
        return LogEntry.batch(termEpoch, 0, writes);
    }

    /** The values a decision reads: pending ones first, then the applied state. Under the append lock. */
    private final class NewestValues implements KeyView {
        private final long now = System.currentTimeMillis();
        private long dependsOn;

        /** The key's newest value and expiry from one read (pending first), against this decision's clock. */
        private KvState.Value lookup(String key) {
            PendingWrites.Pending newest = pending.get(key);
            if (newest != null) {
                dependsOn = Math.max(dependsOn, newest.offset());
                long at = newest.expiresAtMillis();
                return newest.value() == null || (at != 0 && at <= now) ? null : new KvState.Value(newest.value(), at);
            }
            return state.current(key, now);
        }

        @Override
        public byte[] get(String key) {
            KvState.Value value = lookup(key);
            return value == null ? null : value.bytes();
        }

        @Override
        public long expiresAtMillis(String key) {
            KvState.Value value = lookup(key);
            return value == null ? 0 : value.expiresAtMillis();
        }

        @Override
        public long nowMillis() {
            return now;
        }

        /** The key holds a value whose time has passed: the expirer deletes it. */
        boolean expired(String key) {
            PendingWrites.Pending newest = pending.get(key);
            long at = newest != null ? newest.expiresAtMillis() : state.expiresAtMillis(key);
            return at != 0 && at <= now && (newest == null || newest.value() != null);
        }

        @Override
        public boolean writtenSince(String key, WatchPoint since) {
            return since.term() != termEpoch || stamps.writtenAfter(key, since.offset());
        }
    }

    /** When the key expires (Unix milliseconds; 0: never or absent), read under the same rule as {@link #read}. */
    public long expiresAtMillis(String key) {
        KvState.Value value = readWithExpiry(key, System.currentTimeMillis());
        return value == null ? 0 : value.expiresAtMillis();
    }

    /** The key's value and expiry from one read (null: absent or past its time), under the rule of {@link #read}. */
    public KvState.Value readWithExpiry(String key, long nowMillis) {
        requireReadable();
        return state.current(key, nowMillis);
    }

    /** How many keys carry a time to live (INFO keyspace's expires). */
    public int expiringKeyCount() {
        return state.expiringKeys();
    }

    public long memoryUsedBytes() {
        return state.usedBytes();
    }

    public ReadResult read(String key) {
        Role current = requireReadable();
        return new ReadResult(state.get(key), current.label(), epoch.get(), state.appliedOffset(), lag());
    }

    /**
     * Runs {@code reads} ({@link #read} and its kin, on several keys) at one point of this store's log:
     * no entry is applied meanwhile, so MGET or a read-only EXEC sees an MSET or a transaction whole
     * or not at all. The reads take no lock of this node (apply holds it before the state's).
     */
    public <T> T readAtOnePoint(java.util.function.Supplier<T> reads) {
        requireReadable();
        return state.atOnePoint(reads);
    }

    /** How many keys the data holds, under the same rule as {@link #read}. */
    public int keyCount() {
        requireReadable();
        return state.size();
    }

    /** A page of keys in a fixed order, under the same rule as {@link #read}; see {@link KvState#scan}. */
    public KvState.ScanPage scan(long cursor, int count, java.util.function.Predicate<String> match) {
        requireReadable();
        return state.scan(cursor, count, match);
    }

    /**
     * A primary answers reads only while it holds its read lease (no newer primary can have taken a
     * write meanwhile); any store refuses while it loads a snapshot. Answers the role it read under.
     */
    private Role requireReadable() {
        if (loading) {
            throw new NodeExceptions.Unavailable("this store is loading a snapshot from the primary; retry");
        }
        if (maintenance.fenced()) {
            throw new NodeExceptions.Unavailable(FENCED_FOR_MAINTENANCE + "; read from another store");
        }
        Role current = role;
        if (current == Role.PRIMARY) {
            if (fenced) {
                throw new NodeExceptions.Fenced("this primary was deposed (epoch " + epoch.get() + "); read from the new primary");
            }
            CommitTracker commits = tracker;
            if (commits == null || !commits.holdsReadLease(System.nanoTime())) {
                throw new NodeExceptions.Unavailable("primary has not confirmed its term with its secondaries yet; retry");
            }
        }
        return current;
    }

    /**
     * How many secondaries hold the log up to {@code offset} on disk and have applied it, so that
     * their reads answer it, as this primary last heard: what {@code WAIT} answers (a read of a
     * replica after WAIT finds the write, as in Redis). Zero on a store that is not the primary.
     */
    public int secondariesHolding(long offset) {
        CommitTracker commits = tracker;
        return role == Role.PRIMARY && commits != null ? commits.followersServing(offset) : 0;
    }

    /** The secondaries streaming from this store (empty unless it is the primary). */
    public List<SecondaryView> secondaries() {
        return role == Role.PRIMARY ? fanout.secondaries() : List.of();
    }

    private long lag() {
        if (role == Role.PRIMARY) {
            return 0;
        }
        if (role == Role.SECONDARY) {
            return Math.max(0, primaryLastOffset - state.appliedOffset());
        }
        return -1;
    }

    // ---------------------------------------------------------------- admin operations

    /**
     * Raises the epoch and stops following or serving as primary in an older term. Answers where the
     * log ends, which is what the failover compares.
     */
    public NodeStatus fence(long newEpoch) {
        raiseEpoch(newEpoch);
        roleLock.writeLock().lock();
        try {
            requireNotOlder(newEpoch);
            if (role == Role.PRIMARY && termEpoch < newEpoch) {
                stepDown("fenced by epoch " + newEpoch);
            }
            if (role == Role.SECONDARY) {
                stopFollowing();
                role = Role.NONE;
            }
            return status();
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    /**
     * Makes this store the primary of term {@code newEpoch}. Unless the old primary is known to be
     * gone, writes wait a whole read lease from now: the failover fenced every other store before
     * this call, in parallel and some later than this one, and a secondary renewed the old primary's
     * lease until its own fence. Counting from now covers the last of them, so the old primary cannot
     * answer a read that misses a write of the new term.
     */
    public NodeStatus promote(long newEpoch, boolean oldPrimaryGone) {
        if (isPrimaryOf(newEpoch)) {
            return status();
        }
        refuseIfFencedForMaintenance("promoted");
        requireNotOlder(newEpoch);
        requireNewerThanLastEntry(newEpoch);
        raiseEpoch(newEpoch);
        roleLock.writeLock().lock();
        try {
            if (isPrimaryOf(newEpoch)) {
                return status();
            }
            refuseIfFencedForMaintenance("promoted");
            requireNotOlder(newEpoch);
            requireNewerThanLastEntry(newEpoch);
            if (role == Role.PRIMARY) {
                stepDown("replaced by a new term");
            }
            stopFollowing();
            long now = System.nanoTime();
            // never shortened: a store re-promoted while still waiting out its predecessor keeps waiting
            writesAllowedAtNanos = Math.max(writesAllowedAtNanos,
                    oldPrimaryGone ? now : now + TimeUnit.MILLISECONDS.toNanos(settings.leaseMillis()));
            // a pause belonged to a switchover away from an earlier term of this store; a new term starts
            // unpaused (else a store switched away from and straight back to refused writes for seconds)
            writesPausedUntilNanos = 0;
            // the tracker and the role come before the term's first entry: the flusher may make that
            // entry durable at once, and its notification must find the tracker, or the term never commits
            long termStart = log.lastOffset() + 1;
            termEpoch = newEpoch;
            pending.clear();
            termStartOffset = termStart;
            tracker = new CommitTracker(settings.mode(), settings.minSyncReplicas(), termStart,
                    TimeUnit.MILLISECONDS.toNanos(settings.leaseMillis()), this::onPrimaryCommit);
            fenced = false;
            primaryReplication = settings.advertisedReplication();
            primaryHttp = settings.advertisedHttp();
            role = Role.PRIMARY;
            memory.reserveBacklog(log.read(state.appliedOffset() + 1, Integer.MAX_VALUE));
            // the term's first entry is its first time mark too, never before a mark the log holds or held (an
            // earlier primary's clock ahead of this one's): marks only grow along the log, which is what a cut relies on
            // no write runs meanwhile: each holds the role lock this holds for writing
            long startMark = timeMarks.termStart(log.lastMarkMillis());
            LogEntry start = log.appendNext(LogEntry.timeMark(newEpoch, 0, startMark));
            tracker.localDurable(log.durableOffset());
            LOG.infof("promoted to primary of epoch %d at offset %d", newEpoch, start.offset());
            long aheadMillis = startMark - System.currentTimeMillis();
            if (aheadMillis > 1_000) {
                // a clock that ran ahead once (an earlier primary's, or this one's before a step back) holds every
                // later mark up: restores to a point in time count this term's writes as made at that mark
                LOG.warnf("this term's first time mark is %d ms ahead of this store's clock (the newest mark it knows,"
                        + " kept in %s): no write is marked with a later time until the clock passes it", aheadMillis,
                        dev.kvstore.store.log.TimeMarkFloor.FILE_NAME);
            }
        } finally {
            roleLock.writeLock().unlock();
        }
        fanout.entriesAppended();
        return status();
    }

    /**
     * A planned switchover's first step: the primary refuses new writes for a while (bounded, in case
     * the caller dies) while its secondaries catch up to its last entry. Takes the role lock, so every
     * write that got past the check is in the log when this returns.
     */
    public NodeStatus pauseWrites(long millis) {
        roleLock.writeLock().lock();
        try {
            writesPausedUntilNanos = millis <= 0 ? 0 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            return status();
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    /** Follows the primary of term {@code newEpoch} at {@code primary} (host:port). */
    public NodeStatus follow(long newEpoch, String primary, String httpOfPrimary) {
        HostPort target = HostPort.parse(primary);
        refuseIfFencedForMaintenance("told to follow " + primary);
        raiseEpoch(newEpoch);
        roleLock.writeLock().lock();
        try {
            refuseIfFencedForMaintenance("told to follow " + primary);
            requireNotOlder(newEpoch);
            if (role == Role.SECONDARY && primary.equals(primaryReplication) && epoch.get() == newEpoch) {
                return status();
            }
            if (role == Role.PRIMARY) {
                stepDown("now following " + primary);
            }
            stopFollowing();
            primaryReplication = primary;
            primaryHttp = httpOfPrimary;
            role = Role.SECONDARY;
            link = linkFactory.follow(this, target.host(), target.port(), newEpoch);
            return status();
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    /**
     * Fences this store for maintenance ({@code kubectl kv fence}), or lifts the fence. Fenced, it stops following,
     * serves no client read, refuses to follow or to be promoted, and keeps its data as it was, restarts
     * included (the fence is on its disk). An epoch fence still reaches it: a failover counts its log, so that
     * nothing only it holds is given up. A primary refuses: switch over first (the operator does), or its clients'
     * writes would stop with no failover to follow. Lifted, it waits to be told whom to follow.
     */
    public NodeStatus maintenanceFence(boolean fence) {
        if (fence) {
            // in force in memory under the role lock, before the disk write outside it (writes on event loops wait
            // for that lock, never for a disk): a promote or follow after this refuses, one before it made us primary
            roleLock.writeLock().lock();
            try {
                if (role == Role.PRIMARY && !fenced) {
                    throw new NodeExceptions.WrongRole("the primary cannot be fenced for maintenance: switch over to "
                            + "another store first (kubectl kv fence does)");
                }
                maintenance.raise();
            } finally {
                roleLock.writeLock().unlock();
            }
        }
        maintenance.persist(fence);
        if (!fence) {
            LOG.infof("maintenance fence lifted: waiting to be told whom to follow");
            return status();
        }
        roleLock.writeLock().lock();
        try {
            if (role == Role.SECONDARY) {
                stopFollowing();
                role = Role.NONE;
                primaryReplication = null;
                primaryHttp = null;
            }
        } finally {
            roleLock.writeLock().unlock();
        }
        // an append, a log cut or a snapshot install begun before the fence ends before it is said to hold
        synchronized (replicatedAppends) {
            synchronized (snapshotFileLock) {
                LOG.infof("fenced for maintenance: following no one, serving no client, never promoted");
            }
        }
        return status();
    }

    private static final String FENCED_FOR_MAINTENANCE = "this store is fenced for maintenance (kubectl kv unfence "
            + "lifts it)";

    private void refuseIfFencedForMaintenance(String asked) {
        if (maintenance.fenced()) {
            throw new NodeExceptions.WrongRole(FENCED_FOR_MAINTENANCE + ": not " + asked);
        }
    }

    private boolean isPrimaryOf(long epochOfTerm) {
        return role == Role.PRIMARY && termEpoch == epochOfTerm && !fenced;
    }

    private void requireNewerThanLastEntry(long newEpoch) {
        long lastEntryEpoch = log.lastPosition().epoch();
        if (newEpoch <= lastEntryEpoch) {
            throw new NodeExceptions.StaleEpoch("epoch " + newEpoch + " is not newer than the last entry's epoch "
                    + lastEntryEpoch);
        }
    }

    /**
     * Persists a newer epoch (an fsync) before the role lock is taken: writes on event loops wait for
     * that lock, and must not wait for a disk. Between the two, {@link #write} already refuses: it
     * compares its term with the epoch in force.
     */
    private void raiseEpoch(long newEpoch) {
        requireNotOlder(newEpoch);
        epoch.raiseTo(newEpoch);
    }

    private void requireNotOlder(long requested) {
        if (requested < epoch.get()) {
            throw new NodeExceptions.StaleEpoch("epoch " + requested + " is older than epoch " + epoch.get()
                    + " already seen by this store");
        }
    }

    private void stepDown(String reason) {
        LOG.infof("leaving the primary role of epoch %d: %s", termEpoch, reason);
        fenced = true;
        memory.releaseBacklog();
        termStartOffset = Long.MAX_VALUE;
        pending.clear();
        CommitTracker old = tracker;
        fanout.closeAll(reason);
        if (old != null) {
            old.failAll(new NodeExceptions.Fenced("primary of epoch " + termEpoch + " stepped down (" + reason
                    + "); the write may or may not survive"));
        }
        role = Role.NONE;
        // until told who the new primary is, name none rather than ourselves
        primaryReplication = null;
        primaryHttp = null;
    }

    private void stopFollowing() {
        Link current = link;
        link = null;
        if (current != null) {
            current.close();
        }
    }

    // ---------------------------------------------------------------- called by the replication layer

    /** A peer showed a newer epoch: a primary of an older term stops taking writes at once. */
    public void observeEpoch(long seen) {
        if (seen <= epoch.get()) {
            return;
        }
        epoch.raiseTo(seen);
        roleLock.writeLock().lock();
        try {
            if (role == Role.PRIMARY && termEpoch < seen) {
                stepDown("a peer reported epoch " + seen);
            }
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    public boolean isActivePrimary() {
        return role == Role.PRIMARY && !fenced;
    }

    public long termEpoch() {
        return termEpoch;
    }

    /** A primary's term as one consistent pair: its epoch and the tracker that commits in it. */
    public record Term(long epoch, CommitTracker tracker) {
    }

    /** The term this store is the active primary of, or null when it is not one. */
    public Term activeTerm() {
        roleLock.readLock().lock();
        try {
            return isActivePrimary() && termEpoch >= epoch.get() ? new Term(termEpoch, tracker) : null;
        } finally {
            roleLock.readLock().unlock();
        }
    }

    public CommitTracker tracker() {
        return tracker;
    }

    public long commitOffset() {
        CommitTracker commits = tracker;
        return role == Role.PRIMARY && commits != null ? commits.commitOffset() : secondaryCommit;
    }

    /**
     * For the log archive: this primary's committed entries after {@code after} (whose entry the archive holds
     * as of {@code afterEpoch}), about {@code maxBytes} of them. Only a primary holding its read lease answers:
     * then no other primary acknowledged a write since the clock was read, which is what lets the slice certify
     * the log complete up to that time ({@link LogSlice#coveredThroughMillis}).
     */
    public LogSlice committedLogAfter(long after, long afterEpoch, long maxBytes) {
        if (after < -1 || maxBytes <= 0) {
            throw new IllegalArgumentException("after must be -1 (the log's start) or more and maxBytes positive, got "
                    + after + " and " + maxBytes);
        }
        LogSlice.Point point;
        roleLock.readLock().lock();
        try {
            long asOfMillis = System.currentTimeMillis();
            if (requireReadable() != Role.PRIMARY) {
                throw new NodeExceptions.NotPrimary("the log is archived from the primary", primaryHttp);
            }
            if (termEpoch < epoch.get()) {
                throw new NodeExceptions.Fenced("this primary was deposed (epoch " + epoch.get() + "); the log is"
                        + " archived from the new primary");
            }
            // a write acknowledged in the clock's millisecond may come after the commit offset is read: the
            // certificate covers the milliseconds before it
            long term = termEpoch;
            point = new LogSlice.Point(commitOffset(), asOfMillis - 1, () -> stillPrimaryOf(term));
        } finally {
            roleLock.readLock().unlock();
        }
        // read outside the role lock, in chunks: a fence or promotion never waits behind the archive
        return LogSlice.read(log, after, afterEpoch, point, maxBytes);
    }

    /** Whether this store is, right now, the unfenced primary of term {@code term} (under the role lock). */
    private boolean stillPrimaryOf(long term) {
        roleLock.readLock().lock();
        try {
            return isPrimaryOf(term) && term >= epoch.get();
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** The primary's answer to a rejoining secondary: keep the log up to the common prefix. */
    public void keepOnlyCommonPrefix(long keepUpTo) throws IOException {
        // the whole cut under the snapshot's lock: a snapshot taken meanwhile (the disk watch can start one)
        // would save the divergent entries and make the rebuild below skip the new primary's ones
        synchronized (snapshotFileLock) {
            if (maintenance.fenced()) {
                // a welcome handled on a worker after the fence closed its link: nothing is cut from a fenced store
                throw new IOException(FENCED_FOR_MAINTENANCE + "; nothing is cut from its log");
            }
            keepOnlyCommonPrefixLocked(keepUpTo);
        }
    }

    private void keepOnlyCommonPrefixLocked(long keepUpTo) throws IOException {
        if (keepUpTo < log.startOffset() - 1 || keepUpTo < lastSnapshot.offset()) {
            // the divergent entries are in our snapshot (the log may still hold them too: it keeps a
            // retention window behind it), which no truncation of the log takes back
            discardEverythingAfter(keepUpTo);
            return;
        }
        List<LogEntry> suffix = log.read(keepUpTo + 1, Integer.MAX_VALUE);
        if (suffix.isEmpty()) {
            return;
        }
        Path file = quarantine.keep(suffix, epoch.get());
        log.truncateAfter(keepUpTo);
        LOG.warnf("moved %d divergent entries (%s..%s) to quarantine %s", suffix.size(), suffix.get(0),
                suffix.get(suffix.size() - 1), file);
        if (state.appliedOffset() > keepUpTo) {
            // only a forced, possibly lossy failover can get here: rebuild the state from the snapshot (which
            // ends before keepUpTo) and the log after it; the log no longer starts at 1 once compacted
            synchronized (this) {
                loading = true; // no read of the half-built map
                try {
                    state.clear();
                    loadSnapshot();
                } catch (IOException e) {
                    log.stop("reloading the snapshot after a divergence", e); // an empty store must not serve
                    throw e;
                } finally {
                    loading = false;
                }
                applyUpTo(keepUpTo);
            }
        }
        secondaryCommit = Math.min(secondaryCommit, keepUpTo);
    }

    /**
     * The divergence lies inside our own snapshot (only a forced, possibly lossy failover leads
     * here): keep the log and the snapshot in quarantine, start empty, and let the primary resend
     * everything.
     */
    private synchronized void discardEverythingAfter(long keepUpTo) throws IOException {
        // first: the snapshot moves aside before the log is reset, and a crash between would cut the log as torn
        log.keepNewestMark();
        List<LogEntry> logPart = log.read(log.startOffset(), Integer.MAX_VALUE);
        if (!logPart.isEmpty()) {
            quarantine.keep(logPart, epoch.get());
        }
        if (snapshotFile.exists()) {
            files.move(snapshotFile.path(), settings.dataDir().resolve("quarantine")
                    .resolve("snapshot-" + System.currentTimeMillis()));
        }
        log.resetTo(0, EpochHistory.EMPTY);
        state.clear();
        lastSnapshot = SnapshotSchedule.Mark.NONE;
        secondaryCommit = 0;
        commitHint.remember(0);
        throw new IOException("diverged at " + keepUpTo + ", inside this store's snapshot; starting over empty");
    }

    /**
     * Entries streamed from the primary. Under a lock of their own, not the role lock (an append may wait for the
     * log's lock, through a compaction's last step among others, and other event loops must not queue behind it), which a maintenance fence
     * passes through once it is in force: nothing streamed is appended after it returns, though a stream's decoded
     * backlog may still be drained after its link closed.
     */
    public void appendReplicated(List<LogEntry> entries) {
        synchronized (replicatedAppends) {
            if (maintenance.fenced()) {
                throw new NodeExceptions.WrongRole(FENCED_FOR_MAINTENANCE + ": not appending streamed entries");
            }
            log.appendReplicated(entries);
        }
    }

    /**
     * The primary's commit point and last offset, as a stream reports them: what is both committed and here is
     * applied. Answers false when nothing is taken (fenced for maintenance: the data stays as it was), so that the
     * stream does not echo an apply that did not happen (the primary's WAIT counts echoes).
     */
    public boolean secondaryProgress(long commit, long primaryLast) {
        if (maintenance.fenced()) {
            return false;
        }
        primaryLastOffset = primaryLast;
        if (commit > secondaryCommit) {
            secondaryCommit = commit;
            commitHint.remember(commit);
        }
        // the commit point may run ahead of what has arrived here; apply what is both
        long applicable = Math.min(secondaryCommit, log.lastOffset());
        if (applicable > state.appliedOffset()) {
            applyUpTo(applicable);
        }
        return true;
    }

    /**
     * Reads the durable offset now rather than taking the flusher's value: a truncation and a
     * promotion between the flusher's publication and this call would make that value name entries
     * of the new term that are not on disk.
     */
    private void onLocalDurable(long ignored) {
        CommitTracker commits = tracker;
        if (role == Role.PRIMARY && commits != null) {
            commits.localDurable(log.durableOffset());
        }
    }

    /** The log stopped making writes durable: fail what waits for it now rather than at its timeout. */
    private void onLogFailure(java.io.IOException cause) {
        CommitTracker commits = tracker;
        if (commits != null) {
            commits.failAll(new NodeExceptions.NotDurable(cause.getMessage()));
        }
    }

    /** Why this store can no longer make writes durable, or null while it can. */
    public String diskFailure() {
        java.io.IOException failure = log.failure();
        return failure == null ? null : "this store cannot make writes durable: " + failure.getMessage();
    }

    private void onPrimaryCommit(long commit) {
        applyUpTo(commit);
        // the term's first commit applied everything before it: the backlog is counted as used now
        memory.releaseBacklog();
        commitHint.remember(commit);
        // secondaries learn the commit point with the next entries, or within a few ms (PrimarySession)
    }

    private synchronized void applyUpTo(long target) {
        while (state.appliedOffset() < target) {
            List<LogEntry> batch = log.read(state.appliedOffset() + 1, (int) Math.min(4096, target - state.appliedOffset()));
            if (batch.isEmpty()) {
                return;
            }
            for (LogEntry entry : batch) {
                state.apply(entry);
                pending.applied(entry);
            }
        }
        snapshotIfDue();
    }

    /**
     * From applying entries, and from the disk's periodic measurement: a store whose volume filled up
     * applies nothing more (its writes are refused), and only a snapshot's compaction gives it room.
     */
    private void snapshotIfDue() {
        if (state.appliedOffset() == snapshotSkippedForRoomAt) {
            return; // tried at this very point and it did not fit: once something more is applied, again
        }
        if (snapshotSchedule.due(state.appliedOffset(), lastSnapshot, diskSpace.freeBytes() - diskSpace.reserveBytes())
                && snapshotRunning.compareAndSet(false, true)) {
            try {
                snapshotter.execute(this::takeSnapshot);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the store is closing and applies on meanwhile: no new snapshot, and never an exception
                // into the apply path (on the primary, that path completes the waiting writes)
                snapshotRunning.set(false);
            }
        }
    }

    /**
     * Writes the applied state to the snapshot file, then drops the log up to a retention window
     * behind it. The copy is taken with applies held off; the writing happens without.
     */
    private void takeSnapshot() {
        try {
            synchronized (snapshotFileLock) {
                writeSnapshot();
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("snapshot failed; the log keeps growing until the next attempt", e);
        } finally {
            snapshotRunning.set(false);
        }
    }

    /**
     * Writes the applied state to the snapshot file, then drops the log up to a retention window behind
     * it. Skipped when the file would eat into the disk reserve: a full volume must not break the store
     * (the log keeps the entries, and the writes that fill the volume are refused anyway).
     */
    private void writeSnapshot() throws IOException {
        Snapshot snapshot;
        synchronized (this) {
            long at = state.appliedOffset();
            snapshot = new Snapshot(at, log.history().truncatedAfter(at), state.frozen());
        }
        long needed = snapshot.data().encodedBytes();
        long room = diskSpace.freeBytes() - diskSpace.reserveBytes() / 2;
        if (needed > room) {
            snapshotSkippedForRoomAt = snapshot.lastIncludedOffset();
            LOG.warnf("no snapshot at offset %d: it needs about %d bytes and the data volume has %d free above half"
                    + " its reserve; the log keeps growing until there is room", snapshot.lastIncludedOffset(), needed,
                    room);
            return;
        }
        snapshotFile.write(snapshot);
        lastSnapshot = new SnapshotSchedule.Mark(snapshot.lastIncludedOffset(), snapshot.data().size(),
                fileSize(snapshotFile.path()));
        long newBase = compactionBase(snapshot.lastIncludedOffset());
        if (newBase >= log.startOffset()) {
            log.compactTo(newBase);
        }
        LOG.infof("snapshot at offset %d (%d keys); log now starts at %d", snapshot.lastIncludedOffset(),
                snapshot.data().size(), log.startOffset());
    }

    /**
     * The applied data as one snapshot, for a backup: taken with applies held off, as a snapshot is (only
     * committed entries are ever applied, so it holds only acknowledged-or-committed writes); the caller
     * writes it out ({@link SnapshotFile#writeTo}) after, while writes go on. Any store gives one; a
     * secondary in sync spares the primary the walk.
     */
    public Snapshot backupSnapshot() {
        synchronized (this) {
            // both under the monitor that a snapshot install and a rebuild hold: checked before it, a failed
            // install could complete between the check and the freeze and hand out its half-built map
            if (loading) {
                throw new NodeExceptions.Unavailable("this store is loading a snapshot; back up another");
            }
            if (log.failure() != null) {
                // a failed install or rebuild stops the log and leaves the map half built or empty
                throw new NodeExceptions.Unavailable("this store can no longer make writes durable ("
                        + log.failure().getMessage() + "); back up another");
            }
            long at = state.appliedOffset();
            if (at > log.lastOffset()) {
                // a divergent suffix was just cut from the log and the map not yet rebuilt without it: the map
                // holds entries no log has any more, under an epoch history that no longer covers them
                throw new NodeExceptions.Unavailable("this store is dropping a divergent suffix; back up another");
            }
            return new Snapshot(at, log.history().truncatedAfter(at), state.frozen());
        }
    }

    /**
     * Where the log may start after a snapshot at {@code snapshotOffset}: a retention window behind it,
     * but not past what a connected secondary still needs (one receiving a snapshot needs the log after
     * that snapshot's end; cutting it would send it back for another snapshot, again and again while
     * writes go on). Held back by at most {@code kv.snapshot-every-entries} (or the retention, if
     * larger), so a secondary that never catches up cannot fill the volume.
     */
    long compactionBase(long snapshotOffset) {
        long wanted = snapshotOffset - settings.logRetentionEntries();
        long needed = fanout.lowestOffsetNeeded();
        long floor = Math.max(needed == Long.MAX_VALUE ? wanted : needed - 1,
                snapshotOffset - Math.max(settings.snapshotEveryEntries(), settings.logRetentionEntries()));
        return Math.min(wanted, floor);
    }

    /** The offset the snapshot file on disk ends at (0 without one). */
    public long lastSnapshotOffset() {
        return lastSnapshot.offset();
    }

    /** The snapshot file on disk, as one value (its offset, keys and size are published together). */
    SnapshotSchedule.Mark lastSnapshot() {
        return lastSnapshot;
    }

    /** How many snapshots this store took from a primary since it started. */
    public long snapshotsInstalled() {
        return snapshotsInstalled.get();
    }

    /** The size of a file, 0 when it is absent (no snapshot yet). */
    private static long fileSize(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** A snapshot being written or received when the process ended is of no use, and holds disk space. */
    private static void removeUnfinishedSnapshots(Path dir) throws IOException {
        try (var unfinished = Files.newDirectoryStream(dir, "snapshot.{tmp,incoming*}")) {
            for (Path file : unfinished) {
                LOG.infof("removing the unfinished snapshot %s", file.getFileName());
                Files.deleteIfExists(file);
            }
        }
    }

    private void measureDisk() {
        try {
            diskSpace.refresh();
        } catch (IOException | RuntimeException e) {
            // the last figure stays; a volume that cannot even be measured will fail the log's writes soon
            LOG.warnf("could not measure the data volume: %s", e.getMessage());
        }
        snapshotIfDue();
    }

    public DiskSpace diskSpace() {
        return diskSpace;
    }

    public SnapshotFile snapshotFile() {
        return snapshotFile;
    }

    /**
     * Replaces this secondary's state with a snapshot from the primary, written to {@code received}:
     * checked whole first (nothing changes if it is damaged), then put in place, and its pairs streamed
     * into the emptied map, so that the old and the new data set are never in memory together. The log
     * continues after it.
     */
    public void installSnapshot(Path received, Link from) throws IOException {
        SnapshotFile.Header header;
        try (var in = Files.newInputStream(received)) {
            header = SnapshotFile.verify(in, settings.maxEntryBytes());
        }
        synchronized (snapshotFileLock) {
            synchronized (this) {
                if (from != null && link != from) {
                    // a newer follow() replaced the link that received it: its stream may already be acknowledged
                    throw new IOException("this link was replaced; its snapshot is not installed");
                }
                if (maintenance.fenced()) {
                    // its link's close may not have cleared the link yet: the fenced store's data stays as it was
                    throw new IOException(FENCED_FOR_MAINTENANCE + "; its snapshot is not installed");
                }
                snapshotFile.install(received);
                log.resetTo(header.lastIncludedOffset(), header.history());
                loading = true;
                try {
                    SnapshotFile.Header loaded = loadSnapshot().orElseThrow(() -> new IOException("the snapshot vanished"));
                    if (loaded.lastIncludedOffset() != header.lastIncludedOffset()) {
                        throw new IOException("read back a snapshot at " + loaded.lastIncludedOffset() + ", installed "
                                + header.lastIncludedOffset());
                    }
                } catch (IOException e) {
                    // the file was whole a moment ago: the disk fails, and the map is incomplete; this store
                    // must not serve or acknowledge any more (reads stay refused), its supervisor replaces it
                    log.stop("reading back the installed snapshot", e);
                    throw e;
                }
                loading = false;
                snapshotsInstalled.incrementAndGet();
                lastSnapshot = new SnapshotSchedule.Mark(header.lastIncludedOffset(), header.entries(),
                        fileSize(snapshotFile.path()));
                secondaryCommit = Math.max(secondaryCommit, header.lastIncludedOffset());
                commitHint.remember(secondaryCommit);
            }
        }
        LOG.infof("installed a snapshot from the primary at offset %d (%d keys)", header.lastIncludedOffset(),
                header.entries());
    }

    /** Loads the snapshot file into the (emptied) map, pair by pair; empty when there is none. */
    private Optional<SnapshotFile.Header> loadSnapshot() throws IOException {
        if (!snapshotFile.exists()) {
            return Optional.empty();
        }
        SnapshotFile.Header[] header = new SnapshotFile.Header[1];
        state.load(sink -> {
            header[0] = snapshotFile.load(sink).orElseThrow(() -> new IOException("the snapshot file vanished"));
            return header[0].lastIncludedOffset();
        });
        return Optional.of(header[0]);
    }

    // ---------------------------------------------------------------- observation

    public boolean ready() {
        if (log.failure() != null) {
            return false;
        }
        Role current = role;
        if (current == Role.PRIMARY) {
            CommitTracker commits = tracker;
            return !fenced && commits != null && commits.termCommitted();
        }
        Link current2 = link;
        return current == Role.SECONDARY && current2 != null && current2.following();
    }

    public NodeStatus status() {
        var position = log.lastPosition();
        CommitTracker commits = tracker;
        Link following = link;
        return new NodeStatus(settings.nodeId(), role.label(), epoch.get(), position.epoch(), position.offset(),
                commitOffset(), state.appliedOffset(), lag(), primaryReplication, primaryHttp,
                following != null && following.following(), fenced && role == Role.PRIMARY, quarantine.entries(),
                role == Role.PRIMARY && commits != null ? commits.followerCount() : 0,
                settings.mode().name().toLowerCase(java.util.Locale.ROOT), settings.minSyncReplicas(), diskFailure(),
                state.usedBytes(), settings.maxMemoryBytes(), diskSpace.freeBytes(), diskSpace.reserveBytes(),
                null, // the secrets are not the node's: the admin and status endpoints add them
                maintenance.fenced());
    }

    public EpochHistory history() {
        return log.history();
    }

    public long quarantined() {
        return quarantine.entries();
    }

    @Override
    public void close() {
        diskWatch.shutdownNow();
        expirer.shutdownNow();
        deadlines.close();
        // a snapshot under way is let finish (bounded), not interrupted: interrupted file I/O closes
        // the channel it runs on, and its compaction works on the log's file
        snapshotter.shutdown();
        try {
            if (!snapshotter.awaitTermination(SNAPSHOT_FINISH_AT_CLOSE_MS, TimeUnit.MILLISECONDS)) {
                LOG.warnf("closing with a snapshot still being written after %d ms; the next start uses the previous one",
                        SNAPSHOT_FINISH_AT_CLOSE_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopFollowing();
        fanout.closeAll("shutting down");
        commitHint.close();
        try {
            log.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
