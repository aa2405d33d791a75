package dev.kvstore.store.node;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Whether the user fenced this store for maintenance ({@code kubectl kv fence}), kept on disk: a store
 * restarted while fenced (a crash, a node reboot, a rolling restart) comes back fenced, whether or not the
 * operator is there to say so again.
 */
final class MaintenanceFence {

    static final String FILE = "maintenance-fence";
    private static final String FENCED = "fenced";
    private static final String RELEASED = "released";

    private final DurableValueFile file;
    private volatile boolean fenced;

    MaintenanceFence(Path dir, DiskSync disk) throws IOException {
        this.file = new DurableValueFile(dir.resolve(FILE), new DurableFiles(disk));
        String kept = file.read(RELEASED);
        if (!kept.equals(FENCED) && !kept.equals(RELEASED)) {
            // not guessed either way: serving would undo a fence, and fencing would hide a store no one asked to
            throw new IOException(file.path() + " holds '" + kept + "', neither '" + FENCED + "' nor '" + RELEASED
                    + "': write one of them (fenced for maintenance or not) and restart the store");
        }
        this.fenced = kept.equals(FENCED);
    }

    boolean fenced() {
        return fenced;
    }

    /** Persists the fence (an fsync and a directory fsync) before it is in force, or lifted. */
    synchronized void set(boolean fence) {
        if (fence == fenced) {
            return;
        }
        try {
            file.write(fence ? FENCED : RELEASED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist the maintenance fence (" + (fence ? FENCED : RELEASED) + ")", e);
        }
        fenced = fence;
    }
}
