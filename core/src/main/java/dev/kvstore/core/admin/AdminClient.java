package dev.kvstore.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a store's authenticated admin API. Used by the local supervisor and the operator. */
public final class AdminClient implements StoreAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final AdminAuth auth;
    private final Duration timeout;

    public AdminClient(String secret, Duration timeout) {
        this.auth = new AdminAuth(secret);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public NodeStatus status(String baseUrl) throws IOException {
        return call(baseUrl, "GET", "/v1/admin/status", null);
    }

    @Override
    public NodeStatus fence(String baseUrl, long epoch) throws IOException {
        return call(baseUrl, "POST", "/v1/admin/fence", new EpochRequest(epoch, false));
    }

    @Override
    public NodeStatus promote(String baseUrl, long epoch, boolean oldPrimaryGone) throws IOException {
        return call(baseUrl, "POST", "/v1/admin/promote", new EpochRequest(epoch, oldPrimaryGone));
    }

    @Override
    public NodeStatus pauseWrites(String baseUrl, long millis) throws IOException {
        return call(baseUrl, "POST", "/v1/admin/pause-writes", new EpochRequest(millis, false));
    }

    @Override
    public NodeStatus follow(String baseUrl, long epoch, String primary, String primaryHttp) throws IOException {
        return call(baseUrl, "POST", "/v1/admin/follow", new FollowRequest(epoch, primary, primaryHttp));
    }

    private NodeStatus call(String baseUrl, String method, String path, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header(AdminAuth.HEADER, auth.sign(method, path, bytes, System.currentTimeMillis()))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted calling " + baseUrl + path, e);
        }
        if (response.statusCode() != 200) {
            throw new AdminCallException(response.statusCode(),
                    method + " " + baseUrl + path + " answered " + response.statusCode() + ": "
                            + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return JSON.readValue(response.body(), NodeStatus.class);
    }

    /** The store answered, but refused the call. */
    public static final class AdminCallException extends IOException {
        private final int status;

        public AdminCallException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
