package dev.kvstore.store.node;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import dev.kvstore.store.disk.DurableValueFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Whether the user fenced this store for maintenance ({@code kubectl kv fence}), kept on disk: a store
 * restarted while fenced (a crash, a node reboot, a rolling restart) comes back fenced, whether or not the
 * operator is there to say so again. A fence is in force in memory ({@link #raise}) before it is on disk, so that
 * nothing (a promotion above all) slips in while it is written; a release is in force only once written.
 */
final class MaintenanceFence {

    static final String FILE = "maintenance-fence";
    private static final String FENCED = "fenced";
    private static final String RELEASED = "released";

    private final DurableValueFile file;
    private volatile boolean fenced;
    private boolean onDisk;

    MaintenanceFence(Path dir, DiskSync disk) throws IOException {
        this.file = new DurableValueFile(dir.resolve(FILE), new DurableFiles(disk));
        String kept = file.read(RELEASED);
        if (!kept.equals(FENCED) && !kept.equals(RELEASED)) {
            // not guessed either way: serving would undo a fence, and fencing would hide a store no one asked to
            throw new IOException(file.path() + " holds '" + kept + "', neither '" + FENCED + "' nor '" + RELEASED
                    + "': write one of them (fenced for maintenance or not) and restart the store");
        }
        this.onDisk = kept.equals(FENCED);
        this.fenced = onDisk;
    }

    boolean fenced() {
        return fenced;
    }

    /** Puts the fence in force now, in memory: {@link #persist} makes it last (or lowers it again if it cannot). */
    void raise() {
        fenced = true;
    }

    /**
     * Writes the fence (an fsync and a directory fsync) or its release, and puts it in force: a release only once it
     * is written; a fence that cannot be written is lowered to what the disk holds.
     */
    synchronized void persist(boolean fence) {
        try {
            if (fence != onDisk) {
                file.write(fence ? FENCED : RELEASED);
                onDisk = fence;
            }
            fenced = fence;
        } catch (IOException e) {
            fenced = onDisk;
            throw new UncheckedIOException("cannot persist the maintenance fence (" + (fence ? FENCED : RELEASED) + ")", e);
        }
    }
}
