package dev.kvstore.store.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last commit point this node heard of, so that after a restart it shows the committed data
 * at once. Only a hint: losing it hides nothing for long (the primary resends its commit point),
 * so it is written at most every 100 ms and never forced.
 */
final class CommitHint {

    private final Path file;
    private volatile long latest;
    private long written;
    private long writtenAtNanos;

    CommitHint(Path dir) {
        this.file = dir.resolve("commit-hint");
    }

    long read() {
        try {
            return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    void remember(long commit) {
        latest = commit;
        if (System.nanoTime() - writtenAtNanos > 100_000_000L) {
            flush();
        }
    }

    synchronized void flush() {
        long value = latest;
        if (value == written) {
            return;
        }
        try {
            Path tmp = file.resolveSibling("commit-hint.tmp");
            Files.writeString(tmp, Long.toString(value));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            written = value;
            writtenAtNanos = System.nanoTime();
        } catch (IOException e) {
            // a hint; the next commit tries again
        }
    }
}
