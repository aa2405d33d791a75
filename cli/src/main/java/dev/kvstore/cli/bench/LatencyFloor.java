package dev.kvstore.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What one client's synchronous write cannot beat on this machine, measured beside it: a loopback round trip of 100
 * bytes between two sockets, and an fdatasync of a 100-byte write (into zeroed room, as the log writes) on the disk
 * the stores use. A sync SET costs at least two round trips (client and primary, primary and secondary) and one
 * fdatasync (the primary's and the secondary's run at the same time); the target is a median within twice
 * one round trip plus one fdatasync.
 */
final class LatencyFloor {

    /** A measured latency's median and 99th percentile. */
    record Probe(double p50Millis, double p99Millis, int samples) {
    }

    private LatencyFloor() {
    }

    /** Round trips of 100 bytes to an echo thread over loopback TCP (no Nagle), after a warm-up of a tenth. */
    static Probe loopbackRoundTrip(int samples) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket peer = server.accept()) {
                    peer.setTcpNoDelay(true);
                    InputStream in = peer.getInputStream();
                    OutputStream out = peer.getOutputStream();
                    byte[] buffer = new byte[100];
                    while (in.readNBytes(buffer, 0, buffer.length) == buffer.length) {
                        out.write(buffer);
                        out.flush();
                    }
                } catch (IOException ended) {
                    // the client closed
                }
            }, "bench-echo");
            echo.setDaemon(true);
            echo.start();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                client.setTcpNoDelay(true);
                InputStream in = client.getInputStream();
                OutputStream out = client.getOutputStream();
                byte[] message = new byte[100];
                byte[] back = new byte[100];
                int warmup = samples / 10;
                long[] nanos = new long[samples];
                for (int i = 0; i < warmup + samples; i++) {
                    long start = System.nanoTime();
                    out.write(message);
                    out.flush();
                    if (in.readNBytes(back, 0, back.length) != back.length) {
                        throw new IOException("the echo ended early");
                    }
                    if (i >= warmup) {
                        nanos[i - warmup] = System.nanoTime() - start;
                    }
                }
                return probe(nanos);
            }
        }
    }

    /**
     * Writes of 100 bytes to a file in {@code dir}, each forced with fdatasync (FileChannel.force(false)), into room
     * zeroed and forced beforehand, as the stores' log writes (an append that grows the file costs its fdatasync an
     * inode write too: on this project's disk 100 µs at p50 against 70): the floor is the cheapest fdatasync there is.
     */
    static Probe fdatasync(Path dir, int samples) throws IOException {
        Path file = Files.createTempFile(dir, "fsync-probe", ".bin");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int warmup = samples / 10;
            ByteBuffer zeros = ByteBuffer.allocate((warmup + samples) * 100);
            while (zeros.hasRemaining()) {
                channel.write(zeros, zeros.position());
            }
            channel.force(true);
            ByteBuffer record = ByteBuffer.wrap("x".repeat(100).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            long[] nanos = new long[samples];
            for (int i = 0; i < warmup + samples; i++) {
                record.clear();
                long start = System.nanoTime();
                while (record.hasRemaining()) {
                    channel.write(record, i * 100L + record.position());
                }
                channel.force(false);
                if (i >= warmup) {
                    nanos[i - warmup] = System.nanoTime() - start;
                }
            }
            return probe(nanos);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The bound of the target: twice one round trip plus one fdatasync, by their medians. */
    static double boundMillis(Probe roundTrip, Probe fsync) {
        return 2 * (roundTrip.p50Millis() + fsync.p50Millis());
    }

    static Probe probe(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Probe(sorted[sorted.length / 2] / 1e6, sorted[(int) Math.min(sorted.length - 1,
                Math.ceil(sorted.length * 0.99) - 1)] / 1e6, sorted.length);
    }
}
