package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.local.LocalClusterSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.Jedis;

/**
 * Garbage on the primary's RESP port: each bad connection gets a protocol error (or is dropped) and
 * only that connection closes; the store keeps serving, keeps replicating, and loses nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RespBadInputIT {

    private static final String HOST = "127.0.0.1";

    private ClusterFixture fixture;

    @BeforeAll
    void start() throws Exception {
        fixture = new ClusterFixture("resp-bad-input", LocalClusterSettings.defaults(3)).start();
        try (Jedis jedis = new Jedis(HOST, port())) {
            for (int i = 0; i < 100; i++) {
                assertThat(jedis.set("kept:" + i, "v" + i)).isEqualTo("OK");
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        try {
            // after all the abuse: still serving, still replicating, nothing lost
            fixture.awaitHealthy();
            try (Jedis jedis = new Jedis(HOST, port())) {
                assertThat(jedis.set("after-abuse", "ok")).isEqualTo("OK");
                assertThat(jedis.waitReplicas(2, 5000)).isEqualTo(2);
                for (int i = 0; i < 100; i++) {
                    assertThat(jedis.get("kept:" + i)).isEqualTo("v" + i);
                }
            }
        } finally {
            fixture.close();
        }
    }

    private int port() {
        return fixture.primary().respPort();
    }

    /** Sends {@code bytes} on a new connection and reads until the store closes it or 5 s pass. */
    private String exchange(byte[] bytes) throws IOException {
        return exchange(bytes, false);
    }

    /** With {@code thenHalfClose}, the client ends its side after the bytes: the store answers and closes. */
    private String exchange(byte[] bytes, boolean thenHalfClose) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port()), 2000);
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            if (thenHalfClose) {
                socket.shutdownOutput();
            }
            return readUntilClosed(socket.getInputStream());
        }
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                seen.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException stillOpen) {
            return seen.toString(StandardCharsets.UTF_8) + "<still open>";
        } catch (IOException reset) {
            return seen.toString(StandardCharsets.UTF_8) + "<reset>";
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void huge_declared_lengths_are_refused_before_anything_is_allocated() throws IOException {
        assertThat(exchange(ascii("*2147483648\r\n"))).isEqualTo("-ERR Protocol error: invalid multibulk length\r\n");
        assertThat(exchange(ascii("*99999999999999999999\r\n"))).isEqualTo("-ERR Protocol error: invalid multibulk length\r\n");
        assertThat(exchange(ascii("*1\r\n$99999999999\r\n"))).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        assertThat(exchange(ascii("*1\r\n$-5\r\n"))).isEqualTo("-ERR Protocol error: invalid bulk length\r\n");
        // an array of a million arguments announced, none sent: nothing answered, nothing held per argument
        assertThat(exchange(ascii("*1000000\r\n"))).isEqualTo("<still open>");
    }

    @Test
    void nested_arrays_are_refused() throws IOException {
        assertThat(exchange(ascii("*1\r\n*1\r\n*1\r\n*1\r\n$4\r\nPING\r\n")))
                .isEqualTo("-ERR Protocol error: expected '$', got '*'\r\n");
    }

    @Test
    void an_unterminated_line_is_refused_once_it_passes_the_line_limit() throws IOException {
        assertThat(exchange(ascii("a".repeat(100 * 1024)))).isEqualTo("-ERR Protocol error: too big inline request\r\n");
        assertThat(exchange(ascii("*" + "1".repeat(100 * 1024))))
                .startsWith("-ERR Protocol error: ");
    }

    @Test
    void a_command_cut_halfway_applies_nothing() throws IOException {
        assertThat(exchange(ascii("*3\r\n$3\r\nSET\r\n$8\r\ncut:half\r\n$100\r\nonly-some-of-it")))
                .isEqualTo("<still open>");
        try (Jedis jedis = new Jedis(HOST, port())) {
            assertThat(jedis.exists("cut:half")).isFalse();
        }
    }

    @Test
    void random_bytes_get_errors_only_and_never_write() throws Exception {
        Random random = new Random(42);
        try (Jedis jedis = new Jedis(HOST, port())) {
            long keysBefore = jedis.dbSize();
            for (int round = 0; round < 200; round++) {
                byte[] garbage = new byte[1 + random.nextInt(4096)];
                random.nextBytes(garbage);
                String answer = exchange(garbage, true);
                for (String line : answer.replace("<still open>", "").replace("<reset>", "").split("\r\n")) {
                    if (!line.isEmpty()) {
                        assertThat(line).as("answer to random bytes").startsWith("-");
                    }
                }
            }
            assertThat(jedis.dbSize()).isEqualTo(keysBefore);
        }
    }

    @Test
    void ten_thousand_connections_opened_and_dropped_leave_the_store_serving() throws Exception {
        for (int batch = 0; batch < 20; batch++) {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(HOST, port()), 2000);
                if (i % 2 == 0) {
                    socket.getOutputStream().write(ascii("*1\r\n$4\r\nPI")); // half a PING, then gone
                } else {
                    socket.setSoLinger(true, 0); // dropped with a reset
                }
                sockets.add(socket);
            }
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(StoreMetrics.of(fixture.primary().managementUrl()).value("kv_resp_clients")).isZero());
        try (Jedis jedis = new Jedis(HOST, port())) {
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
    }
}
