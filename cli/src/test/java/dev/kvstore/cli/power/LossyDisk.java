package dev.kvstore.cli.power;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A store's disk that can lose power: a directory mounted through lossyfs (hack/lossyfs), which keeps
 * every write that was not forced in a page cache of its own and undoes every directory change whose
 * directory was not forced. {@link #powerCut()} is the cut: unmounted, unforced writes and directory
 * changes gone; {@link #mount} again shows what a machine would find after losing power.
 */
public final class LossyDisk implements AutoCloseable {

    private static final Pattern CUT = Pattern.compile("cut files=(\\d+) bytes=(\\d+) entries=(\\d+)");

    /** What a cut took away: unforced bytes, and directory changes (creates, removals, renames) undone. */
    public record Cut(long bytes, long entries) {
    }

    private final Path mount;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LossyDisk(Path mount, Process process) {
        this.mount = mount;
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "lossyfs " + mount);
        reader.setDaemon(true);
        reader.start();
    }

    /** Mounts {@code mount} (made if absent) over {@code backing} (made if absent). */
    public static LossyDisk mount(Path backing, Path mount) throws IOException, InterruptedException {
        String binary = System.getenv("KV_LOSSYFS");
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException("lossyfs is missing (KV_LOSSYFS=" + binary + "): run "
                    + "`export KV_LOSSYFS=$(hack/lossyfs.sh | tail -n1)` (./test does); it needs Go, root and /dev/fuse");
        }
        Files.createDirectories(backing);
        Files.createDirectories(mount);
        Process process = new ProcessBuilder(binary, "-backing", backing.toString(), "-mount", mount.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LossyDisk disk = new LossyDisk(mount, process);
        String first = disk.lines.poll(20, TimeUnit.SECONDS);
        if (!"mounted".equals(first)) {
            process.destroyForcibly();
            throw new IllegalStateException("lossyfs did not mount " + mount + " (said " + first + ", exit "
                    + (process.isAlive() ? "none yet" : process.exitValue()) + "): it needs root and /dev/fuse");
        }
        return disk;
    }

    public Path path() {
        return mount;
    }

    /**
     * Loses every write not forced and every directory change not forced on this disk, and unmounts it
     * (the stores on it must be gone): {@link #mount} the backing directory again to see what survived.
     */
    public Cut powerCut() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -USR1 " + process.pid() + " failed (lossyfs of " + mount + " gone?)");
        }
        String line = lines.poll(20, TimeUnit.SECONDS);
        Matcher cut = line == null ? null : CUT.matcher(line);
        if (cut == null || !cut.matches()) {
            throw new IOException("lossyfs of " + mount + " did not report the cut: " + line);
        }
        if (!process.waitFor(20, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("lossyfs of " + mount + " did not end cleanly after the cut");
        }
        return new Cut(Long.parseLong(cut.group(2)), Long.parseLong(cut.group(3)));
    }

    /** Unmounts: SIGTERM, and a lazy unmount if the process did not manage it. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
        }
    }
}
