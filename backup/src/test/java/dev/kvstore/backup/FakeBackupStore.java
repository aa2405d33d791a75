package dev.kvstore.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A store's backup call as bytes on a real socket: one answer (status line, headers, body), then it hangs up.
 * For what a real store cannot be made to send: a stream cut at a chosen byte, a snapshot that disagrees with
 * its headers, one whose checksum is wrong.
 */
public final class FakeBackupStore implements AutoCloseable {

    private final ServerSocket server;
    private final Thread thread;

    /** Starts answering the first call with {@code head} (up to and including the blank line) and then {@code body}. */
    public FakeBackupStore(String head, byte[] body) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            try (Socket call = server.accept()) {
                InputStream in = call.getInputStream();
                byte[] request = new byte[8192];
                int read = 0;
                while (!new String(request, 0, read, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    read += in.read(request, read, request.length - read);
                }
                OutputStream out = call.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } catch (IOException ignored) {
                // the test fails on what the client saw
            }
        });
        thread.start();
    }

    /** A 200 answer's headers announcing a backup of {@code offset} in {@code epoch}, sent chunked. */
    public static String announcing(long offset, long epoch, long keys) {
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-KV-Backup-Offset: " + offset + "\r\n"
                + "X-KV-Backup-Epoch: " + epoch + "\r\nX-KV-Backup-Keys: " + keys + "\r\n\r\n";
    }

    /** {@code bytes} as one chunk and, when {@code whole}, the last chunk that ends the stream. */
    public static byte[] chunked(byte[] bytes, boolean whole) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(bytes);
        out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        if (whole) {
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    /**
     * A snapshot in the store's format (KVSNAP1: magic, last offset, epoch starts, pairs, CRC32C of all before
     * it), one epoch beginning at offset 1, {@code keys} keys of {@code valueBytes} bytes each.
     */
    public static byte[] snapshot(long offset, long epoch, int keys, int valueBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write("KVSNAP1\n".getBytes(StandardCharsets.US_ASCII));
        out.writeLong(offset);
        out.writeInt(1);
        out.writeLong(epoch);
        out.writeLong(1);
        out.writeLong(keys);
        byte[] value = new byte[valueBytes];
        for (int i = 0; i < keys; i++) {
            byte[] key = ("k" + i).getBytes(StandardCharsets.UTF_8);
            out.writeInt(key.length);
            out.write(key);
            java.util.Arrays.fill(value, (byte) ('a' + i % 26));
            out.writeInt(value.length);
            out.write(value);
        }
        out.flush();
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        return bytes.toByteArray();
    }

    /** A snapshot of one key whose value makes it exactly {@code totalBytes} long. */
    public static byte[] snapshotOfSize(long offset, long epoch, int totalBytes) throws IOException {
        int overhead = snapshot(offset, epoch, 1, 0).length;
        byte[] snapshot = snapshot(offset, epoch, 1, totalBytes - overhead);
        if (snapshot.length != totalBytes) {
            throw new IllegalStateException("made " + snapshot.length + " bytes, not " + totalBytes);
        }
        return snapshot;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        thread.join(10_000);
        server.close();
    }
}
