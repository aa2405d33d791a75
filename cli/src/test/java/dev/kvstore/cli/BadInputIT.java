package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import dev.kvstore.core.admin.AdminAuth;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Garbage on the replication port and oversized requests on the HTTP port: each gets a clear
 * refusal, the store keeps serving, and no acknowledged write is lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {

    private ClusterFixture fixture;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        fixture = new ClusterFixture("bad-input", LocalClusterSettings.defaults(3)).start();
        for (int i = 0; i < 100; i++) {
            fixture.client.put("kept-" + i, ("v" + i).getBytes());
        }
    }

    @AfterAll
    void stop() throws Exception {
        try {
            // after all the abuse: still serving, still replicating, nothing lost
            fixture.awaitHealthy();
            assertThat(fixture.status(fixture.primary()).path("connectedSecondaries").asInt()).isEqualTo(2);
            fixture.client.put("after-abuse", "ok".getBytes());
            for (int i = 0; i < 100; i++) {
                assertThat(fixture.client.get("kept-" + i).value()).hasValueSatisfying(
                        v -> assertThat(v).isNotEmpty());
            }
        } finally {
            fixture.close();
        }
    }

    private int replicationPort(NodeProcess node) {
        String address = node.replicationAddress();
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** Reads frames until the server closes; returns the text of its Refused frame, if any. */
    private static String readUntilClosed(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        String refused = null;
        try {
            while (true) {
                int length = in.readInt();
                byte type = in.readByte();
                byte[] payload = new byte[length - 1];
                in.readFully(payload);
                if (type == 4) {
                    int size = ByteBuffer.wrap(payload).getShort() & 0xffff;
                    refused = new String(payload, 2, size, StandardCharsets.UTF_8);
                }
            }
        } catch (EOFException | java.net.SocketException closed) {
            return refused;
        }
    }

    private static byte[] frame(int type, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put((byte) type).put(payload).array();
    }

    // ---- the replication port

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", replicationPort(fixture.primary()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void random_bytes_are_refused_and_the_connection_closed() throws Exception {
        try (Socket socket = connect()) {
            byte[] noise = new byte[4096];
            new Random(42).nextBytes(noise);
            noise[0] = 0x7f; // make sure the first length is absurd
            socket.getOutputStream().write(noise);
            assertThat(readUntilClosed(socket)).contains("protocol error");
        }
    }

    @Test
    void an_absurd_length_is_refused_before_any_allocation() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(new byte[]{0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 2});
            assertThat(readUntilClosed(socket)).contains("frame length").contains("outside");
        }
    }

    @Test
    void a_truncated_frame_then_silence_is_dropped_at_the_handshake_deadline() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(new byte[]{0, 0, 0, 100, 2, 1, 2, 3});
            assertThat(readUntilClosed(socket)).contains("no handshake within");
        }
    }

    @Test
    void a_malformed_hello_is_a_protocol_error() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(frame(2, new byte[]{0, 5, 'a'}));
            assertThat(readUntilClosed(socket)).contains("protocol error");
        }
    }

    @Test
    void a_wrong_secret_is_refused_without_the_secret_ever_being_sent() throws Exception {
        try (Socket socket = connect()) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readInt();
            assertThat(in.readByte()).as("challenge frame").isEqualTo((byte) 1);
            byte[] challenge = new byte[length - 1];
            in.readFully(challenge);
            byte[] primaryNonce = java.util.Arrays.copyOf(challenge, 16);
            byte[] myNonce = new byte[16];
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("not the secret".getBytes(), "HmacSHA256"));
            mac.update("secondary\nlocal\n".getBytes());
            mac.update(primaryNonce);
            mac.update(myNonce);
            byte[] proof = mac.doFinal();
            ByteBuffer hello = ByteBuffer.allocate(2 + 8 + 2 + 5 + 16 + 32 + 8 + 8 + 4);
            hello.putShort((short) 8).put("intruder".getBytes()).putShort((short) 5).put("local".getBytes())
                    .put(myNonce).put(proof).putLong(0).putLong(0).putInt(0);
            OutputStream out = socket.getOutputStream();
            out.write(frame(2, hello.array()));
            assertThat(readUntilClosed(socket)).contains("authentication failed");
        }
    }

    @Test
    void a_secondary_refuses_to_act_as_primary() throws Exception {
        NodeProcess secondary = fixture.secondaries().get(0);
        try (Socket socket = new Socket("127.0.0.1", replicationPort(secondary))) {
            socket.setSoTimeout(10_000);
            assertThat(readUntilClosed(socket)).contains("not the primary");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("secondary kept the connection open", e);
        }
    }
    // ---- the HTTP port

    private HttpResponse<String> put(String key, byte[] value) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(fixture.primary().httpUrl() + "/v1/kv/" + key))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void an_oversized_key_gets_414_with_the_limit_and_nothing_is_stored() throws Exception {
        String key = "k".repeat(2000);
        HttpResponse<String> response = put(key, "v".getBytes());
        assertThat(response.statusCode()).isEqualTo(414);
        assertThat(response.body()).contains("exceeds the limit of 1024 bytes");
    }

    @Test
    void an_oversized_value_gets_413_with_the_limit_and_nothing_is_stored() throws Exception {
        HttpResponse<String> response = put("big", new byte[2 * 1024 * 1024]);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("kv.max-value-bytes");
        assertThat(fixture.client.get("big").value()).isEmpty();
    }

    @Test
    void admin_calls_need_a_signature_and_well_formed_bodies() throws Exception {
        String url = fixture.primary().adminUrl();
        HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/admin/promote"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"epoch\":99}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        byte[] garbage = "{not json".getBytes();
        String signature = new AdminAuth(fixture.cluster.secret()).sign("POST", "/v1/admin/fence", garbage,
                System.currentTimeMillis());
        HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/admin/fence"))
                .header("Content-Type", "application/json").header(AdminAuth.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(garbage)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).contains("malformed EpochRequest");
        HttpResponse<String> oversized = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/admin/fence"))
                .header("Content-Type", "application/json").header(AdminAuth.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024 * 1024])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(oversized.statusCode()).isEqualTo(413);
        // a chunked body declares no length: counted as it arrives, and refused once past the limit, before
        // its end (which never comes here: a store that waited for the whole body would never answer)
        URI admin = URI.create(url);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(admin.getHost(), admin.getPort()), 5_000);
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST /v1/admin/fence HTTP/1.1\r\nHost: " + admin.getHost() + "\r\nContent-Type: application/json"
                    + "\r\n" + AdminAuth.HEADER + ": " + signature + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 8; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            out.flush();
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(statusLine).as("answered before the body ended").startsWith("HTTP/1.1 413");
        }
        var primary = fixture.primary();
        assertThat(primary.alive()).isTrue();
        assertThat(new dev.kvstore.core.admin.AdminClient(fixture.cluster.secret(), java.time.Duration.ofSeconds(5))
                .status(url).role()).as("the same store still answers its admin port").isEqualTo("primary");
        fixture.client.put("after-admin-abuse", "v".getBytes());
        assertThat(fixture.client.get(primary.httpUrl(), "after-admin-abuse").value()).isPresent();
    }
}
