package dev.kvstore.store.disk;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The free space of the data volume, measured off the write path (a statvfs call per refresh, on the
 * store's timer thread) and read from memory by every write. Writes that need disk are refused while
 * less than the reserve is free, so a write never fails half-way on a full volume: the reserve holds
 * what arrives between two measurements, and the deletes that make room again.
 */
public final class DiskSpace {

    /** Where the figures come from; a test gives its own. */
    public interface Volume {
        long usableBytes() throws IOException;

        long totalBytes() throws IOException;

        static Volume of(Path dir) throws IOException {
            FileStore store = Files.getFileStore(dir);
            return new Volume() {
                @Override
                public long usableBytes() throws IOException {
                    return store.getUsableSpace();
                }

                @Override
                public long totalBytes() throws IOException {
                    return store.getTotalSpace();
                }
            };
        }
    }

    /** The default reserve: a tenth of the volume, at most 64 MiB. */
    static final long DEFAULT_RESERVE_CAP = 64L << 20;

    private final Volume volume;
    private final long reserveBytes;
    private volatile long freeBytes;

    /** @param reserveBytes the free space kept back, or a negative number for the default */
    public DiskSpace(Volume volume, long reserveBytes) throws IOException {
        this.volume = volume;
        this.reserveBytes = reserveBytes >= 0 ? reserveBytes : Math.min(DEFAULT_RESERVE_CAP, volume.totalBytes() / 10);
        refresh();
    }

    /** Measures again; blocking (a system call on the volume), so not on an event loop. */
    public void refresh() throws IOException {
        freeBytes = volume.usableBytes();
    }

    public long freeBytes() {
        return freeBytes;
    }

    public long reserveBytes() {
        return reserveBytes;
    }

    /**
     * Why a write must be refused for lack of disk, or null. Writes that add data need the free space
     * above the reserve; deletes (which lead to smaller snapshots) may use the reserve's upper half, so
     * room can be made; below that, nothing is written.
     */
    public String refusal(boolean delete) {
        long free = freeBytes;
        long floor = delete ? reserveBytes / 2 : reserveBytes;
        if (free >= floor) {
            return null;
        }
        return "MISCONF the data volume is nearly full: " + free + " bytes free, " + reserveBytes
                + " kept in reserve (kv.min-free-disk); writes that add data are refused"
                + (delete ? ", and so are deletes below half the reserve" : "; deletes still work")
                + ". Nothing was stored. Make room (delete keys, or give the volume more space)";
    }
}
