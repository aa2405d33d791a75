package dev.kvstore.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process as the kernel counts it, and Redis's own count of it. */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** VmRSS of {@code pid} in bytes (Linux). */
    static long residentBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }

    /** {@code used_memory_rss} from Redis's INFO memory. */
    static long redisResidentBytes(int port) throws IOException {
        try (RespClient redis = new RespClient("127.0.0.1", port)) {
            String info = redis.call(RespClient.command("INFO", "memory"))[0];
            for (String line : info.split("\r?\n")) {
                if (line.startsWith("used_memory_rss:")) {
                    return Long.parseLong(line.substring("used_memory_rss:".length()).trim());
                }
            }
        }
        throw new IOException("no used_memory_rss in Redis's INFO memory");
    }
}
