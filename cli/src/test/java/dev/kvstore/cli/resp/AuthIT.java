package dev.kvstore.cli.resp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.ClusterFixture;
import dev.kvstore.cli.KvCommand;
import dev.kvstore.cli.local.LocalClusterSettings;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Client authentication on both client ports of real store processes (kv.users-dir): Redis's
 * NOAUTH, WRONGPASS and NOPERM answers to the clients no one here wrote, HTTP Basic with 401 and
 * 403, and a changed password taking effect without a restart. Every refusal stores nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthIT {

    private static final String HOST = "127.0.0.1";
    private static final String ADMIN_PASSWORD = "default-Pa55word";
    private static final String READER_PASSWORD = "reader-Pa55word";

    private Path users;
    private ClusterFixture fixture;
    private io.lettuce.core.RedisClient lettuce;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        users = Files.createTempDirectory("kv-users");
        Files.writeString(users.resolve("default"), ADMIN_PASSWORD + "\n");
        Files.writeString(users.resolve("reader"), READER_PASSWORD);
        Files.writeString(users.resolve("rotating"), "before-rotation");
        Files.writeString(users.resolve("leaving"), "leaving-Pa55word");
        fixture = new ClusterFixture("auth", LocalClusterSettings.defaults(3)
                .with("kv.users-dir", users.toString()).with("kv.readonly-users", "reader")).start();
        lettuce = io.lettuce.core.RedisClient.create();
    }

    @AfterAll
    void stop() {
        if (lettuce != null) {
            lettuce.shutdown();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    private int port() {
        return fixture.primary().respPort();
    }

    /** A connection authenticated as the read-write default user, to check what is stored. */
    private Jedis admin() {
        Jedis jedis = new Jedis(HOST, port());
        jedis.auth(ADMIN_PASSWORD);
        return jedis;
    }

    @Test
    void without_credentials_every_command_but_hello_auth_and_quit_answers_noauth_and_nothing_is_stored() {
        try (Jedis anonymous = new Jedis(HOST, port())) {
            for (Runnable command : List.<Runnable>of(() -> anonymous.set("noauth:k", "v"), () -> anonymous.get("noauth:k"),
                    anonymous::ping, () -> anonymous.info(), () -> anonymous.mset("noauth:a", "1", "noauth:b", "2"))) {
                assertThatThrownBy(command::run).isInstanceOf(JedisDataException.class)
                        .hasMessage("NOAUTH Authentication required.");
            }
            assertThatThrownBy(() -> anonymous.sendCommand(redis.clients.jedis.Protocol.Command.HELLO, "3"))
                    .hasMessageStartingWith("NOAUTH HELLO must be called with the client already authenticated");
        }
        try (Jedis admin = admin()) {
            assertThat(admin.exists("noauth:k", "noauth:a", "noauth:b")).isZero();
        }
    }

    @Test
    void a_wrong_user_or_password_answers_wrongpass_and_the_right_one_authenticates() {
        try (Jedis jedis = new Jedis(HOST, port())) {
            assertThatThrownBy(() -> jedis.auth("wrong")).hasMessage(
                    "WRONGPASS invalid username-password pair or user is disabled.");
            assertThatThrownBy(() -> jedis.auth("nobody", ADMIN_PASSWORD)).hasMessageStartingWith("WRONGPASS");
            assertThatThrownBy(() -> jedis.auth("reader", ADMIN_PASSWORD)).hasMessageStartingWith("WRONGPASS");
            assertThatThrownBy(() -> jedis.set("wrongpass:k", "v")).hasMessageStartingWith("NOAUTH");
            assertThat(jedis.auth("default", ADMIN_PASSWORD)).isEqualTo("OK");
            assertThat(jedis.set("wrongpass:k", "v")).isEqualTo("OK");
            assertThat(jedis.get("wrongpass:k")).isEqualTo("v");
            // RESET signs the connection out, as in Redis
            assertThat(jedis.sendCommand(redis.clients.jedis.Protocol.Command.RESET)).isNotNull();
            assertThatThrownBy(() -> jedis.get("wrongpass:k")).hasMessageStartingWith("NOAUTH");
        }
    }

    @Test
    void jedis_lettuce_and_redis_cli_authenticate_by_their_own_settings() throws Exception {
        try (redis.clients.jedis.RedisClient jedis = redis.clients.jedis.RedisClient.builder()
                .hostAndPort(new HostAndPort(HOST, port()))
                .clientConfig(DefaultJedisClientConfig.builder().user("default").password(ADMIN_PASSWORD)
                        .protocol(RedisProtocol.RESP3).build()).build()) {
            assertThat(jedis.set("clients:jedis", "1")).isEqualTo("OK"); // HELLO 3 AUTH default ...
        }
        RedisURI uri = RedisURI.builder().withHost(HOST).withPort(port())
                .withAuthentication("reader", READER_PASSWORD.toCharArray()).build();
        try (StatefulRedisConnection<String, String> connection = lettuce.connect(uri)) {
            assertThat(connection.sync().get("clients:jedis")).isEqualTo("1");
            assertThatThrownBy(() -> connection.sync().set("clients:lettuce", "x"))
                    .hasMessage("NOPERM User reader has no permissions to run the 'set' command");
        }
        RedisTools.Result cli = RedisTools.redisCli(port(), "--user", "reader", "--pass", READER_PASSWORD,
                "--no-auth-warning", "GET", "clients:jedis");
        assertThat(cli.stdout().trim()).as(cli.all()).isEqualTo("1");
        RedisTools.Result anonymous = RedisTools.redisCli(port(), "GET", "clients:jedis");
        assertThat(anonymous.stdout()).as(anonymous.all()).contains("NOAUTH");
        try (Jedis admin = admin()) {
            assertThat(admin.exists("clients:lettuce")).isFalse();
        }
    }

    @Test
    void a_readonly_users_writes_answer_noperm_even_inside_a_transaction_and_nothing_is_stored() {
        try (Jedis admin = admin(); Jedis reader = new Jedis(HOST, port())) {
            admin.set("readonly:k", "original");
            reader.auth("reader", READER_PASSWORD);
            assertThat(reader.get("readonly:k")).isEqualTo("original");
            assertThatThrownBy(() -> reader.set("readonly:k", "changed"))
                    .hasMessage("NOPERM User reader has no permissions to run the 'set' command");
            assertThatThrownBy(() -> reader.del("readonly:k")).hasMessageStartingWith("NOPERM");
            assertThatThrownBy(() -> reader.mset("readonly:k", "x", "readonly:new", "y")).hasMessageStartingWith("NOPERM");
            redis.clients.jedis.Transaction transaction = reader.multi();
            transaction.get("readonly:k");
            transaction.set("readonly:new", "y");
            assertThatThrownBy(transaction::exec).hasMessageContaining("EXECABORT");
            assertThat(admin.get("readonly:k")).isEqualTo("original");
            assertThat(admin.exists("readonly:new")).isFalse();
        }
    }

    @Test
    void a_readonly_user_cannot_write_through_any_command_that_writes() {
        try (Jedis admin = admin(); Jedis reader = new Jedis(HOST, port())) {
            admin.set("readonly:n", "1");
            reader.auth("reader", READER_PASSWORD);
            for (Runnable write : List.<Runnable>of(() -> reader.getDel("readonly:n"), () -> reader.incr("readonly:n"),
                    () -> reader.expire("readonly:n", 100), () -> reader.setGet("readonly:n", "2"),
                    () -> reader.getEx("readonly:n", redis.clients.jedis.params.GetExParams.getExParams().ex(100)),
                    () -> reader.append("readonly:n", "x"), () -> reader.unlink("readonly:n"), reader::flushDB)) {
                assertThatThrownBy(write::run).hasMessageStartingWith("NOPERM User reader has no permissions");
            }
            assertThat(admin.get("readonly:n")).isEqualTo("1");
            assertThat(admin.ttl("readonly:n")).isEqualTo(-1);
        }
    }

    @Test
    void a_removed_user_is_signed_out_of_the_connections_it_has_open() throws Exception {
        try (Jedis leaving = new Jedis(HOST, port())) {
            leaving.auth("leaving", "leaving-Pa55word");
            assertThat(leaving.get("anything")).isNull();
            Files.delete(users.resolve("leaving"));
            // the store closes the connection, as Redis does with a deleted user's clients
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThatThrownBy(() -> leaving.get("anything"))
                    .isInstanceOf(redis.clients.jedis.exceptions.JedisConnectionException.class));
        }
        try (Jedis again = new Jedis(HOST, port())) {
            assertThatThrownBy(() -> again.auth("leaving", "leaving-Pa55word")).hasMessageStartingWith("WRONGPASS");
        }
    }

    @Test
    void before_authenticating_a_command_is_held_to_ten_arguments_of_16_kib_as_in_redis() throws Exception {
        assertThat(rawExchange("*11\r\n")).as("11 arguments before AUTH")
                .startsWith("-ERR Protocol error: unauthenticated multibulk length").endsWith("[closed]");
        assertThat(rawExchange("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n"))
                .startsWith("-ERR Protocol error: unauthenticated bulk length").endsWith("[closed]");
        try (Jedis admin = admin()) {
            assertThat(admin.set("preauth:big", "x".repeat(20_000))).as("the same once authenticated").isEqualTo("OK");
        }
    }

    /** Sends {@code request} on a fresh connection and answers what came back, "[closed]" at the end when it closed. */
    private String rawExchange(String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(HOST, port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            StringBuilder answer = new StringBuilder();
            byte[] buffer = new byte[4096];
            try {
                for (int n; (n = socket.getInputStream().read(buffer)) > 0; ) {
                    answer.append(new String(buffer, 0, n, StandardCharsets.US_ASCII));
                }
                answer.append("[closed]");
            } catch (java.net.SocketTimeoutException stillOpen) {
                answer.append("[open]");
            }
            return answer.toString();
        }
    }

    private HttpResponse<String> http(String method, String path, String user, String password, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fixture.primary().httpUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void http_needs_basic_auth_a_readonly_user_gets_403_and_health_and_status_stay_open() throws Exception {
        HttpResponse<String> anonymous = http("PUT", "/v1/kv/http-k", null, null, "v");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).startsWith("Basic realm="));
        assertThat(http("GET", "/v1/kv/http-k", null, null, null).statusCode()).isEqualTo(401);
        assertThat(http("PUT", "/v1/kv/http-k", "default", "wrong", "v").statusCode()).isEqualTo(401);
        HttpResponse<String> readonly = http("PUT", "/v1/kv/http-k", "reader", READER_PASSWORD, "v");
        assertThat(readonly.statusCode()).isEqualTo(403);
        assertThat(readonly.body()).contains("may only read");
        assertThat(http("GET", "/v1/kv/http-k", "reader", READER_PASSWORD, null).statusCode())
                .as("nothing was stored by the refused writes").isEqualTo(404);

        assertThat(http("PUT", "/v1/kv/http-k", "default", ADMIN_PASSWORD, "v").statusCode()).isBetween(200, 204);
        HttpResponse<String> read = http("GET", "/v1/kv/http-k", "reader", READER_PASSWORD, null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("v");

        assertThat(http("DELETE", "/v1/kv/http-k", "reader", READER_PASSWORD, null).statusCode()).isEqualTo(403);
        assertThat(http("GET", "/v1/kv/http-k", "reader", READER_PASSWORD, null).body()).isEqualTo("v");
        for (String around : List.of("/v1/admin/../kv/http-k", "/health/../v1/kv/http-k", "/v1/admin/%2E%2E/kv/http-k")) {
            assertThat(http("GET", around, null, null, null).statusCode()).as(around).isIn(401, 404);
            assertThat(http("PUT", around, null, null, "changed").statusCode()).as(around).isIn(401, 404);
        }
        assertThat(http("GET", "/v1/kv/http-k", "reader", READER_PASSWORD, null).body()).isEqualTo("v");

        assertThat(http("GET", "/health/ready", null, null, null).statusCode()).isEqualTo(200);
        assertThat(http("GET", "/v1/status", null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void a_password_is_rotated_without_cutting_anyone_off_by_giving_the_user_both_for_a_while() throws Exception {
        Path file = users.resolve("rotor");
        replace(file, "rotor-old\n");
        awaitEveryStoreAccepts("rotor", "rotor-old");
        try (Jedis signedInWithOld = new Jedis(HOST, port())) {
            signedInWithOld.auth("rotor", "rotor-old");
            // step 1: the new password beside the old one (a Secret's value "old\nnew")
            replace(file, "rotor-old\nrotor-new\n");
            awaitEveryStoreAccepts("rotor", "rotor-new");
            assertThat(signedInWithOld.set("rotation:during", "1")).as("a connection of the old password, after the "
                    + "reload").isEqualTo("OK");
            try (Jedis signedInWithNew = new Jedis(HOST, port())) {
                signedInWithNew.auth("rotor", "rotor-new");
                // step 2, the clients moved: the old password goes, and the connections that used it
                replace(file, "rotor-new\n");
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThatThrownBy(() ->
                        signedInWithOld.get("rotation:during"))
                        .isInstanceOf(redis.clients.jedis.exceptions.JedisConnectionException.class));
                assertThat(signedInWithNew.get("rotation:during")).isEqualTo("1");
            }
        }
        try (Jedis again = new Jedis(HOST, port())) {
            assertThatThrownBy(() -> again.auth("rotor", "rotor-old")).hasMessageStartingWith("WRONGPASS");
        }
    }

    @Test
    void the_kv_command_given_urls_signs_in_with_the_password_from_the_environment_and_without_it_is_refused()
            throws Exception {
        String url = fixture.primary().httpUrl();
        KvCommand.Run refused = KvCommand.run(Map.of(), "put", "--url", url, "kv-cli:key", "x");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("401");
        KvCommand.Run signedIn = KvCommand.run(Map.of("REDISCLI_AUTH", ADMIN_PASSWORD), "put", "--url", url, "kv-cli:key", "y");
        assertThat(signedIn.exit()).as(signedIn.err()).isZero();
        assertThat(signedIn.out()).startsWith("OK epoch=");
        KvCommand.Run asReader = KvCommand.run(Map.of("KV_PASSWORD", READER_PASSWORD, "REDISCLI_AUTH", ADMIN_PASSWORD),
                "put", "--url", url, "--user", "reader", "kv-cli:key", "z");
        assertThat(asReader.exit()).isEqualTo(1);
        assertThat(asReader.err()).as("KV_PASSWORD first: signed in as the reader, whose write is forbidden")
                .contains("403");
        try (Jedis admin = admin()) {
            assertThat(admin.get("kv-cli:key")).isEqualTo("y");
        }
    }

    /** Replaces a user file at once, as the kubelet swaps a Secret volume's files. */
    private void replace(Path file, String content) throws Exception {
        Path part = users.resolve("." + file.getFileName() + ".part");
        Files.writeString(part, content);
        Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private void awaitEveryStoreAccepts(String user, String password) {
        for (var store : fixture.cluster.nodes()) {
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                try (Jedis jedis = new Jedis(HOST, store.respPort())) {
                    return jedis.auth(user, password).equals("OK");
                }
            });
        }
    }

    @Test
    void a_changed_password_applies_without_a_restart_and_the_old_one_stops_working() throws Exception {
        String newPassword = "rotated-" + System.nanoTime();
        Path part = users.resolve(".rotating.part");
        Files.writeString(part, newPassword);
        Files.move(part, users.resolve("rotating"), StandardCopyOption.ATOMIC_MOVE);
        for (var store : fixture.cluster.nodes()) {
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().until(() -> {
                try (Jedis jedis = new Jedis(HOST, store.respPort())) {
                    return jedis.auth("rotating", newPassword).equals("OK");
                }
            });
            try (Jedis jedis = new Jedis(HOST, store.respPort())) {
                assertThatThrownBy(() -> jedis.auth("rotating", "before-rotation")).hasMessageStartingWith("WRONGPASS");
            }
        }
    }
}
