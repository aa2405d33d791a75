package dev.kvstore.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store of the release before the admin port answers admin calls on its HTTP port only: a rolling
 * update meets such stores, so a refused admin port sends the call there. Real HTTP on loopback.
 */
class AdminClientTest {

    private static final String SECRET = "cluster-secret";
    private static final String STATUS_JSON = """
            {"nodeId":"kv-0","role":"primary","epoch":7,"lastEpoch":7,"lastOffset":42,"commitOffset":42,
             "appliedOffset":42,"lag":0,"primary":null,"primaryHttp":null,"following":false,"fenced":false,
             "quarantined":0,"connectedSecondaries":1,"mode":"sync","minSyncReplicas":1,"diskFailure":null,
             "memoryUsedBytes":0,"memoryLimitBytes":0,"diskFreeBytes":0,"diskReserveBytes":0}""";

    private HttpServer olderStore;
    private final List<String> signedCalls = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void startAStoreOfTheOlderRelease() throws Exception {
        olderStore = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AdminAuth auth = new AdminAuth(SECRET);
        olderStore.createContext("/v1/admin/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean signed = auth.verify(exchange.getRequestHeaders().getFirst(AdminAuth.HEADER),
                    exchange.getRequestMethod(), exchange.getRequestURI().getPath(), body, System.currentTimeMillis());
            signedCalls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + signed);
            byte[] answer = STATUS_JSON.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(signed ? 200 : 401, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        olderStore.start();
    }

    @AfterEach
    void stop() {
        olderStore.stop(0);
    }

    private String olderStoreUrl() {
        return "http://127.0.0.1:" + olderStore.getAddress().getPort();
    }

    private static String closedPortUrl() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    @Test
    void a_refused_admin_port_sends_the_signed_call_to_where_the_older_release_answers() throws Exception {
        String adminUrl = closedPortUrl();
        AdminClient client = new AdminClient(SECRET, Duration.ofSeconds(2),
                url -> url.equals(adminUrl) ? olderStoreUrl() : null);

        assertThat(client.status(adminUrl).epoch()).isEqualTo(7);
        assertThat(client.fence(adminUrl, 8).lastOffset()).isEqualTo(42);
        assertThat(signedCalls).containsExactly("GET /v1/admin/status true", "POST /v1/admin/fence true");
    }

    @Test
    void without_an_older_address_a_refused_admin_port_is_an_error() throws Exception {
        String adminUrl = closedPortUrl();
        AdminClient client = new AdminClient(SECRET, Duration.ofSeconds(2));

        assertThatThrownBy(() -> client.status(adminUrl)).isInstanceOf(ConnectException.class);
        assertThat(signedCalls).isEmpty();
    }

    @Test
    void a_store_that_is_down_on_both_ports_reports_the_admin_ports_refusal() throws Exception {
        String adminUrl = closedPortUrl();
        String httpUrl = closedPortUrl();
        AdminClient client = new AdminClient(SECRET, Duration.ofSeconds(2), url -> httpUrl);

        assertThatThrownBy(() -> client.fence(adminUrl, 3)).isInstanceOf(ConnectException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }

    @Test
    void a_store_that_does_not_answer_in_time_is_not_asked_elsewhere() throws Exception {
        List<String> askedElsewhere = Collections.synchronizedList(new ArrayList<>());
        // listens (the kernel accepts the connection) but never answers: a paused store
        try (ServerSocket paused = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String adminUrl = "http://127.0.0.1:" + paused.getLocalPort();
            AdminClient client = new AdminClient(SECRET, Duration.ofMillis(300), url -> {
                askedElsewhere.add(url);
                return olderStoreUrl();
            });

            assertThatThrownBy(() -> client.status(adminUrl)).isInstanceOf(java.net.http.HttpTimeoutException.class);
        }
        assertThat(askedElsewhere).isEmpty();
        assertThat(signedCalls).isEmpty();
    }

    @Test
    void a_store_that_answers_on_its_admin_port_is_never_asked_elsewhere() throws Exception {
        List<String> askedElsewhere = new ArrayList<>();
        AdminClient client = new AdminClient(SECRET, Duration.ofSeconds(2), url -> {
            askedElsewhere.add(url);
            return null;
        });

        assertThat(client.status(olderStoreUrl()).role()).isEqualTo("primary");
        assertThat(askedElsewhere).isEmpty();
    }

    @Test
    void a_store_that_holds_only_the_second_of_the_secrets_is_reached_after_its_refusal() throws Exception {
        // the operator has written "new, old" and this store has not read it yet: it holds only "old"
        AdminClient client = new AdminClient(ClusterSecrets.of("new-secret", SECRET), Duration.ofSeconds(2), url -> null,
                null);

        assertThat(client.status(olderStoreUrl()).epoch()).isEqualTo(7);
        assertThat(signedCalls).containsExactly("GET /v1/admin/status false", "GET /v1/admin/status true");
    }

    @Test
    void a_store_that_holds_none_of_the_secrets_answers_401_after_each_was_tried() {
        AdminClient client = new AdminClient(ClusterSecrets.of("one", "two"), Duration.ofSeconds(2), url -> null, null);

        assertThatThrownBy(() -> client.status(olderStoreUrl())).isInstanceOf(AdminClient.AdminCallException.class)
                .satisfies(e -> assertThat(((AdminClient.AdminCallException) e).status()).isEqualTo(401));
        assertThat(signedCalls).containsExactly("GET /v1/admin/status false", "GET /v1/admin/status false");
    }
}
