package dev.kvstore.backup;

import dev.kvstore.core.disk.DiskSync;
import dev.kvstore.core.disk.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/** Backups in a local directory: each object written to a part file, then put in place by {@link DurableFiles#replace}. */
final class DirectoryStorage implements BackupStorage {

    private static final String PART = ".part";
    /** A part file {@link #write} makes: the object's name, a random hex number, {@link #PART}. */
    private static final java.util.regex.Pattern PART_FILE = java.util.regex.Pattern.compile("(.+)\\.[0-9a-f]{1,16}\\.part");

    private final Path dir;

    DirectoryStorage(Path dir) {
        this.dir = dir;
    }

    @Override
    public long write(String name, InputStream content) throws IOException {
        Files.createDirectories(dir);
        // a name of its own: two backups of one offset in one second never share (nor delete) a part file
        Path part = dir.resolve(name + "." + Long.toHexString(new java.security.SecureRandom().nextLong()) + PART);
        long bytes = 0;
        try (FileChannel file = FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = content.read(buffer)) >= 0; ) {
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    file.write(chunk);
                }
                bytes += n;
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(part);
            throw e;
        }
        // the project's durable replace: force the bytes, rename into place, force the directory
        new DurableFiles(DiskSync.SYSTEM).replace(part, dir.resolve(name));
        return bytes;
    }

    @Override
    public void writeSmall(String name, byte[] content) throws IOException {
        write(name, new java.io.ByteArrayInputStream(content));
    }

    @Override
    public byte[] readSmall(String name) throws IOException {
        return Files.readAllBytes(dir.resolve(name));
    }

    @Override
    public void download(String name, Path to) throws IOException {
        Files.copy(dir.resolve(name), to, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public InputStream open(String name) throws IOException {
        return Files.newInputStream(dir.resolve(name));
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name));
    }

    @Override
    public List<String> list(String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Override
    public List<String> removeAbandoned(java.time.Instant before) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> abandoned;
        try (Stream<Path> entries = Files.list(dir)) {
            abandoned = entries.filter(p -> ownPartFile(p.getFileName().toString())).toList();
        }
        List<String> removed = new java.util.ArrayList<>();
        for (Path part : abandoned) {
            try {
                // the part file's last write: one being written now is younger than any cutoff in the past
                if (Files.getLastModifiedTime(part).toInstant().isBefore(before) && Files.deleteIfExists(part)) {
                    removed.add(part.toString());
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                // put in place or removed by its writer meanwhile
            }
        }
        return removed;
    }

    /** A part file {@link #write} made for one of this project's objects, not another program's. */
    static boolean ownPartFile(String fileName) {
        java.util.regex.Matcher part = PART_FILE.matcher(fileName);
        return part.matches() && BackupStorage.ownName(part.group(1));
    }

    @Override
    public String describe(String name) {
        return dir.resolve(name).toString();
    }
}
