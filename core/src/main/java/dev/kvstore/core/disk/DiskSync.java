package dev.kvstore.core.disk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The two calls that make data survive a power loss: forcing a file's bytes, and forcing a
 * directory so that a new, renamed or removed entry in it survives too. Every durable write of
 * the project goes through one of these, so that a test can slow them down, fail them or watch
 * which thread makes them.
 */
public interface DiskSync {

    /** fdatasync of the file's data (and of its metadata when {@code metadata}). */
    void force(FileChannel channel, boolean metadata) throws IOException;

    /** fsync of a directory: its entries (created, renamed, removed files) become durable. */
    void forceDirectory(Path dir) throws IOException;

    /** The real thing. */
    DiskSync SYSTEM = new DiskSync() {
        @Override
        public void force(FileChannel channel, boolean metadata) throws IOException {
            channel.force(metadata);
        }

        @Override
        public void forceDirectory(Path dir) throws IOException {
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    };
}
