package dev.kvstore.cli.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.ClusterSecrets;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup stream the store cuts short leaves nothing behind that looks like a backup. */
class BackupsCutStreamTest {

    @TempDir
    Path dir;

    /** A store that answers the backup call with {@code answer} (status line, headers, body) and hangs up. */
    private static Thread store(ServerSocket server, String answer) {
        Thread store = new Thread(() -> {
            try (Socket call = server.accept()) {
                InputStream in = call.getInputStream();
                byte[] request = new byte[8192];
                int read = 0;
                while (!new String(request, 0, read, StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    read += in.read(request, read, request.length - read);
                }
                OutputStream out = call.getOutputStream();
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (Exception ignored) {
                // the test fails on what the client saw
            }
        });
        store.start();
        return store;
    }

    private static final String HEADERS = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-KV-Backup-Offset: 5\r\n"
            + "X-KV-Backup-Epoch: 1\r\nX-KV-Backup-Keys: 2\r\n\r\n";

    private void assertNothingKept(ServerSocket server, String answer, String failure) throws Exception {
        Thread store = store(server, answer);
        AdminClient admin = new AdminClient(ClusterSecrets.of("secret"), Duration.ofSeconds(5), url -> null, null);
        Path target = dir.resolve("backups");

        assertThatThrownBy(() -> Backups.take(admin, "kv-1", "http://127.0.0.1:" + server.getLocalPort(),
                BackupStorage.at(target.toString(), null, null))).hasMessageContaining(failure);
        store.join();
        try (Stream<Path> left = Files.list(target)) {
            assertThat(left).as("files left in the backup directory").isEmpty();
        }
    }

    @Test
    void a_backup_cut_halfway_leaves_no_file_and_no_manifest() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // one chunk, then the connection drops: no last chunk
            assertNothingKept(server, HEADERS + "a\r\n0123456789\r\n", "was cut");
        }
    }

    @Test
    void a_whole_stream_whose_bytes_do_not_match_their_checksum_is_not_kept() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // complete as HTTP (the last chunk is there), but not a snapshot whose last 8 bytes are its CRC32C
            assertNothingKept(server, HEADERS + "14\r\n01234567890123456789\r\n0\r\n\r\n", "checksum");
        }
    }
}
