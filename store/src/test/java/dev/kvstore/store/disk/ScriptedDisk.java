package dev.kvstore.store.disk;

import dev.kvstore.core.disk.DiskSync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A real disk whose forces a test can script: hold the log flusher's fsyncs until released, make
 * every force fail, slow directory forces down, and see each force with the thread that made it
 * and what the directory held at that moment.
 */
public final class ScriptedDisk implements DiskSync {

    /** One force: of a file ({@code dir} null) or of a directory, with its entries at that moment. */
    public record Force(String thread, Path dir, List<String> entries) {
    }

    public static final String FLUSHER_THREAD = "log-flusher";

    private final List<Force> forces = new CopyOnWriteArrayList<>();
    private final Semaphore flusherPermits = new Semaphore(0);
    private volatile boolean holdFlusher;
    private final AtomicInteger flusherForcesHeld = new AtomicInteger();
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private volatile long directoryDelayMillis;
    private final AtomicInteger slowForcesInProgress = new AtomicInteger();

    @Override
    public void force(FileChannel channel, boolean metadata) throws IOException {
        String thread = Thread.currentThread().getName();
        if (holdFlusher && thread.equals(FLUSHER_THREAD)) {
            flusherForcesHeld.incrementAndGet();
            flusherPermits.acquireUninterruptibly();
        }
        IOException failing = failure.get();
        if (failing != null) {
            throw failing;
        }
        forces.add(new Force(thread, null, List.of()));
        channel.force(metadata);
    }

    @Override
    public void forceDirectory(Path dir) throws IOException {
        long delay = directoryDelayMillis;
        if (delay > 0) {
            slowForcesInProgress.incrementAndGet();
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                slowForcesInProgress.decrementAndGet();
            }
        }
        IOException failing = failure.get();
        if (failing != null) {
            throw failing;
        }
        List<String> entries;
        try (var list = Files.list(dir)) {
            entries = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        forces.add(new Force(Thread.currentThread().getName(), dir.toAbsolutePath(), entries));
        DiskSync.SYSTEM.forceDirectory(dir);
    }

    /** From now on the flusher's fsyncs wait, each until {@link #releaseOneFlusherForce()}. */
    public void holdFlusherForces() {
        holdFlusher = true;
    }

    /** How many of the flusher's fsyncs have started waiting (released ones included). */
    public int flusherForcesHeld() {
        return flusherForcesHeld.get();
    }

    public void releaseOneFlusherForce() {
        flusherPermits.release();
    }

    public void stopHolding() {
        holdFlusher = false;
        flusherPermits.release(1000);
    }

    /** Every force from now on throws this. */
    public void failEveryForce(IOException cause) {
        failure.set(cause);
    }

    public void slowDirectoryForces(long millis) {
        directoryDelayMillis = millis;
    }

    public int slowForcesInProgress() {
        return slowForcesInProgress.get();
    }

    public List<Force> forces() {
        return List.copyOf(forces);
    }

    /** Whether some force of {@code dir} saw the directory in the state the predicate asks for. */
    public boolean forcedDirectoryWhere(Path dir, Predicate<List<String>> entries) {
        return forcedDirectoryWhere(dir, entries, 0);
    }

    /** The same, counting only forces after {@code mark} (a value of {@link #mark()}). */
    public boolean forcedDirectoryWhere(Path dir, Predicate<List<String>> entries, int mark) {
        Path wanted = dir.toAbsolutePath();
        List<Force> all = forces();
        return all.subList(Math.min(mark, all.size()), all.size()).stream()
                .anyMatch(f -> wanted.equals(f.dir()) && entries.test(f.entries()));
    }

    /** How many forces were made so far: forces after this mark are the ones a step under test made. */
    public int mark() {
        return forces.size();
    }
}
