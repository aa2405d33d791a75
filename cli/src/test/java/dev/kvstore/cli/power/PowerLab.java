package dev.kvstore.cli.power;

import dev.kvstore.cli.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The disks of a local cluster's stores, each a {@link LossyDisk} mounted where the store keeps its data
 * ({@code dir/kv-N}), so that one store's machine can lose power while the others run on.
 */
public final class PowerLab implements AutoCloseable {

    private final Path dir;
    private final Path backing;
    private final List<LossyDisk> disks = new ArrayList<>();

    public PowerLab(Path dir, int stores) throws IOException, InterruptedException {
        this.dir = dir;
        this.backing = Files.createTempDirectory(dir.getFileName() + "-disks");
        for (int i = 0; i < stores; i++) {
            disks.add(mount(i));
        }
    }

    public Path dir() {
        return dir;
    }

    private LossyDisk mount(int index) throws IOException, InterruptedException {
        String store = LocalCluster.storeName(index);
        return LossyDisk.mount(backing.resolve(store), dir.resolve(store));
    }

    /**
     * Store {@code index}'s machine loses power: its disk loses what was not forced and is mounted again
     * with what survived. The store must be dead (and held down) before, and started after.
     */
    public LossyDisk.Cut cut(int index) throws IOException, InterruptedException {
        LossyDisk.Cut cut = disks.get(index).powerCut();
        disks.set(index, mount(index));
        return cut;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (LossyDisk disk : disks) {
            disk.close();
        }
    }
}
