package dev.kvstore.store.disk;

import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One small value in a file of its own (the epoch, the maintenance fence), replaced durably: written to a temporary
 * file that takes its place ({@link DurableFiles#replace}), so a crash leaves the old value or the new one.
 */
public final class DurableValueFile {

    private final Path file;
    private final DurableFiles files;

    public DurableValueFile(Path file, DurableFiles files) {
        this.file = file;
        this.files = files;
    }

    public Path path() {
        return file;
    }

    /** The value kept, trimmed; {@code absent} when no value was ever written. */
    public String read(String absent) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : absent;
    }

    public void write(String value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, value, StandardCharsets.UTF_8);
        files.replace(tmp, file);
    }
}
