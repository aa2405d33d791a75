package dev.kvstore.store;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.kvstore.core.admin.AdminAuth;
import dev.kvstore.store.api.AdminEndpoint;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The HTTP contract of one store (in-JVM, alone, minSyncReplicas 0). Replication is tested with processes. */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StoreApiTest {

    private static final AdminAuth AUTH = new AdminAuth("test-secret");

    @jakarta.inject.Inject
    dev.kvstore.store.node.StoreNode node;

    @jakarta.inject.Inject
    AdminEndpoint adminEndpoint;

    @jakarta.inject.Inject
    dev.kvstore.store.api.MetricsEndpoint metricsEndpoint;

    /** Metrics, on the metrics port, apart from the client port (the test profile asks for any free one). */
    private Response metrics() {
        return given().port(metricsEndpoint.port()).get("/metrics");
    }

    private Response admin(String path, String body) {
        String signature = AUTH.sign("POST", path, body.getBytes(), System.currentTimeMillis());
        return given().port(adminEndpoint.port()).header(AdminAuth.HEADER, signature).contentType("application/json")
                .body(body).post(path);
    }

    @Test
    @Order(1)
    void a_fresh_store_is_read_only_and_says_no_primary_is_known() {
        given().body("v").put("/v1/kv/a").then().statusCode(503).body("error", containsString("no primary is known"));
        given().get("/v1/status").then().statusCode(200).body("role", equalTo("none"));
        given().get("/health/ready").then().statusCode(503);
    }

    @Test
    @Order(2)
    void admin_calls_without_a_valid_signature_are_refused() {
        given().port(adminEndpoint.port()).contentType("application/json").body("{\"epoch\":1}")
                .post("/v1/admin/promote").then().statusCode(401).body("error", containsString("not authenticated"));
        String forged = new AdminAuth("wrong").sign("POST", "/v1/admin/promote", "{\"epoch\":1}".getBytes(),
                System.currentTimeMillis());
        given().port(adminEndpoint.port()).header(AdminAuth.HEADER, forged).contentType("application/json")
                .body("{\"epoch\":1}").post("/v1/admin/promote").then().statusCode(401);
        given().get("/v1/status").then().body("role", equalTo("none"));
    }

    @Test
    @Order(2)
    void the_admin_api_and_metrics_are_not_on_the_client_port() {
        String body = "{\"epoch\":1,\"oldPrimaryGone\":true}";
        String signature = AUTH.sign("POST", "/v1/admin/promote", body.getBytes(), System.currentTimeMillis());
        given().header(AdminAuth.HEADER, signature).contentType("application/json").body(body)
                .post("/v1/admin/promote").then().statusCode(404);
        given().get("/metrics").then().statusCode(404);
        given().get("/v1/status").then().body("role", equalTo("none"));
        // and the admin port serves nothing else
        given().port(adminEndpoint.port()).get("/v1/status").then().statusCode(401);
        given().port(adminEndpoint.port()).body("v").put("/v1/kv/a").then().statusCode(401);
        given().get("/v1/kv/a").then().statusCode(404);
    }

    @Test
    @Order(3)
    void once_promoted_it_takes_writes_and_answers_with_epoch_and_offset() {
        admin("/v1/admin/promote", "{\"epoch\":3,\"oldPrimaryGone\":true}").then().statusCode(200)
                .body("role", equalTo("primary"));
        Response put = given().body("hello").put("/v1/kv/greeting");
        put.then().statusCode(200).body("epoch", equalTo(3));
        long offset = put.jsonPath().getLong("offset");
        assertThat(offset).isGreaterThan(0);
        given().get("/v1/kv/greeting").then().statusCode(200).body(equalTo("hello")).header("X-KV-Role", "primary");
        given().delete("/v1/kv/greeting").then().statusCode(200);
        given().get("/v1/kv/greeting").then().statusCode(404);
        given().get("/health/ready").then().statusCode(200);
    }

    @Test
    @Order(4)
    void oversized_keys_and_values_get_a_clear_error_and_store_nothing() {
        String longKey = "k".repeat(1025);
        given().body("v").put("/v1/kv/" + longKey).then().statusCode(414).body("error", containsString("1024"));
        byte[] big = new byte[1024 * 1024 + 1];
        given().body(big).put("/v1/kv/big").then().statusCode(413).body("error", containsString("kv.max-value-bytes"));
        given().get("/v1/kv/big").then().statusCode(404);
        given().body("still fine").put("/v1/kv/after").then().statusCode(200);
    }

    @Test
    @Order(4)
    void a_value_sent_as_curl_sends_it_is_stored_byte_for_byte_whatever_its_size() throws Exception {
        // curl --data-binary says application/x-www-form-urlencoded: the body is still the value, not a form
        byte[] big = new byte[256 * 1024];
        java.util.Arrays.fill(big, (byte) 'v');
        org.assertj.core.api.Assertions.assertThat(putAsForm("curl-big", big)).isEqualTo(200);
        byte[] back = given().get("/v1/kv/curl-big").then().statusCode(200).extract().asByteArray();
        org.assertj.core.api.Assertions.assertThat(back).isEqualTo(big);
        org.assertj.core.api.Assertions.assertThat(putAsForm("curl-form", "a=b&c=%41+x".getBytes())).isEqualTo(200);
        given().get("/v1/kv/curl-form").then().statusCode(200).body(equalTo("a=b&c=%41+x"));
    }

    /** As curl sends it (RestAssured would encode a form itself). */
    private static int putAsForm(String key, byte[] value) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:"
                        + io.restassured.RestAssured.port + "/v1/kv/" + key))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(value)).build();
        return java.net.http.HttpClient.newHttpClient().send(request, java.net.http.HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    @Test
    @Order(5)
    void an_older_epoch_is_refused_and_a_newer_fence_deposes_the_primary() {
        admin("/v1/admin/promote", "{\"epoch\":2}").then().statusCode(409).body("error", containsString("older"));
        admin("/v1/admin/fence", "{\"epoch\":4}").then().statusCode(200).body("epoch", equalTo(4));
        given().body("v").put("/v1/kv/late").then().statusCode(503);
        given().get("/v1/kv/late").then().statusCode(404);
    }

    @Test
    @Order(6)
    void a_pause_for_a_switchover_holds_writes_back_and_ends_with_the_next_term() {
        admin("/v1/admin/promote", "{\"epoch\":5,\"oldPrimaryGone\":true}").then().statusCode(200);
        admin("/v1/admin/pause-writes", "{\"epoch\":5000}").then().statusCode(200);
        given().body("v").put("/v1/kv/paused").then().statusCode(503).body("error", containsString("paused"));
        // the switchover ended elsewhere and this store is made primary again at once: a new term, no pause
        admin("/v1/admin/promote", "{\"epoch\":6,\"oldPrimaryGone\":true}").then().statusCode(200);
        given().body("v").put("/v1/kv/paused").then().statusCode(200).body("epoch", equalTo(6));
    }

    @Test
    @Order(7)
    void metrics_expose_role_epoch_and_offsets() {
        metrics().then().statusCode(200).body(containsString("kv_epoch"))
                .body(containsString("kv_commit_offset")).body(containsString("kv_role"))
                .body(containsString("kv_disk_failed 0.0")).body(containsString("kv_event_loop_disk_calls 0.0"));
    }

    /** Last: it breaks the store's disk for good (the failpoint of the test profile). */
    @Test
    @Order(8)
    void a_store_whose_fsync_fails_refuses_writes_at_once_and_says_so_everywhere() throws Exception {
        given().body("before").put("/v1/kv/durable").then().statusCode(200);
        java.nio.file.Files.createFile(java.nio.file.Path.of(node.settings().dataDir().toString(), "fail-fsync"));

        long started = System.nanoTime();
        given().body("x").put("/v1/kv/doomed").then().statusCode(503)
                .body("error", containsString("cannot make writes durable"));
        assertThat((System.nanoTime() - started) / 1_000_000).as("refused at once, not at the write timeout")
                .isLessThan(2_000);
        given().body("x").put("/v1/kv/doomed").then().statusCode(503)
                .body("error", containsString("cannot make writes durable"));
        given().get("/health/ready").then().statusCode(503);
        given().get("/health/live").then().statusCode(503).body(containsString("cannot make writes durable"));
        given().get("/v1/status").then().statusCode(200).body("diskFailure", containsString("Input/output error"));
        metrics().then().body(containsString("kv_disk_failed 1.0"));
        given().get("/v1/kv/durable").then().statusCode(200).body(equalTo("before"));
    }
}
