package dev.kvstore.core.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Calls a store's authenticated admin API. Used by the local supervisor and the operator. */
public final class AdminClient implements StoreAdmin {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final java.util.function.Supplier<ClusterSecrets> secrets;
    private final Duration timeout;
    private final UnaryOperator<String> olderReleaseUrl;

    public AdminClient(String secret, Duration timeout) {
        this(secret, timeout, adminUrl -> null);
    }

    /**
     * @param olderReleaseUrl given a store's admin URL, where a store of a release before the admin port
     *     (7401) had its admin API: on its HTTP port. A rolling update from such a release, or a rollback to
     *     one, meets both; when the admin port refuses the connection, the call goes there. Null: nowhere.
     */
    public AdminClient(String secret, Duration timeout, UnaryOperator<String> olderReleaseUrl) {
        this(secret, timeout, olderReleaseUrl, null);
    }

    /**
     * @param tls for stores with TLS ({@code https} admin URLs): trusts the cluster's CA and shows the
     *     client certificate their admin port accepts ({@code kv.tls-admin-client}); null: plain HTTP
     */
    public AdminClient(String secret, Duration timeout, UnaryOperator<String> olderReleaseUrl,
                       javax.net.ssl.SSLContext tls) {
        this(ClusterSecrets.of(secret), timeout, olderReleaseUrl, tls);
    }

    /**
     * Signs with the first of {@code secrets}; a call refused as not authenticated (401) is tried again with
     * each other one, so that a store that has not yet read a rotation's newest step is still reached.
     */
    public AdminClient(ClusterSecrets secrets, Duration timeout, UnaryOperator<String> olderReleaseUrl,
                       javax.net.ssl.SSLContext tls) {
        this(() -> secrets, timeout, olderReleaseUrl, tls);
    }

    /** @param secrets asked at each call: a local cluster's secret file, rewritten by a rotation */
    public AdminClient(java.util.function.Supplier<ClusterSecrets> secrets, Duration timeout,
                       UnaryOperator<String> olderReleaseUrl, javax.net.ssl.SSLContext tls) {
        this.secrets = secrets;
        this.timeout = timeout;
        this.olderReleaseUrl = olderReleaseUrl;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
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

    @Override
    public NodeStatus maintenanceFence(String baseUrl, boolean fenced) throws IOException {
        return call(baseUrl, "POST", "/v1/admin/maintenance-fence", new MaintenanceFenceRequest(fenced));
    }

    /** A backup as a store streams it: what it covers, and its bytes (a snapshot file) to read to the end. */
    public record BackupStream(long offset, long epoch, long keys, java.io.InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Asks the store for a backup ({@code GET /v1/admin/backup}): a snapshot of its applied data, streamed. The
     * timeout covers the answer's start; the body is read at the caller's pace, and a stream the store cuts
     * short fails the read (it is sent chunked: its end is marked).
     */
    public BackupStream openBackup(String baseUrl) throws IOException {
        String path = "/v1/admin/backup";
        List<String> all = secrets.get().all();
        for (int i = 0; ; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                    .header(AdminAuth.HEADER, AdminAuth.signWith(all.get(i), "GET", path, new byte[0],
                            System.currentTimeMillis()))
                    .GET().build();
            HttpResponse<java.io.InputStream> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted calling " + baseUrl + path, e);
            }
            if (response.statusCode() == 200) {
                return new BackupStream(header(response, "X-KV-Backup-Offset"), header(response, "X-KV-Backup-Epoch"),
                        header(response, "X-KV-Backup-Keys"), response.body());
            }
            String answer;
            try (java.io.InputStream body = response.body()) {
                answer = new String(body.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
            }
            if (response.statusCode() != 401 || i == all.size() - 1) {
                throw new AdminCallException(response.statusCode(),
                        "GET " + baseUrl + path + " answered " + response.statusCode() + ": " + answer);
            }
        }
    }

    /**
     * What the primary gave the log archive ({@code POST /v1/admin/log}): entries in the log's binary form, the
     * first one's offset (0: none), the last one's offset and epoch (the point asked after when there are none), its commit offset, and the time
     * through which they certify the log complete (0: none).
     */
    public record LogChunk(byte[] entries, long first, long last, long lastEpoch, long committed,
                           long coveredThroughMillis) {
    }

    /** The primary's committed entries after {@code request.after()}; see {@link LogRequest}. */
    public LogChunk readLog(String baseUrl, LogRequest request) throws IOException {
        String path = "/v1/admin/log";
        byte[] bytes = JSON.writeValueAsBytes(request);
        List<String> all = secrets.get().all();
        for (int i = 0; ; i++) {
            HttpRequest call = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                    .header(AdminAuth.HEADER, AdminAuth.signWith(all.get(i), "POST", path, bytes,
                            System.currentTimeMillis()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
            HttpResponse<byte[]> response;
            try {
                response = http.send(call, HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted calling " + baseUrl + path, e);
            }
            if (response.statusCode() == 200) {
                return new LogChunk(response.body(), header(response, "X-KV-Log-First"), header(response, "X-KV-Log-Last"),
                        header(response, "X-KV-Log-Last-Epoch"), header(response, "X-KV-Log-Committed"),
                        header(response, "X-KV-Log-Covered-Through-Millis"));
            }
            String answer = "POST " + baseUrl + path + " answered " + response.statusCode() + ": "
                    + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
            if (response.statusCode() == 409 && response.headers().firstValue("X-KV-Log-Diverged").isPresent()) {
                throw new LogDiverged(answer, header(response, "X-KV-Term-Epoch"));
            }
            if (response.statusCode() != 401 || i == all.size() - 1) {
                throw new AdminCallException(response.statusCode(), answer);
            }
        }
    }

    private static long header(HttpResponse<?> response, String name) throws IOException {
        return Long.parseLong(response.headers().firstValue(name)
                .orElseThrow(() -> new IOException("an answer without its " + name + " header")));
    }

    private NodeStatus call(String baseUrl, String method, String path, Object body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        try {
            return send(baseUrl, method, path, body, bytes);
        } catch (ConnectException refused) {
            String older = olderReleaseUrl.apply(baseUrl);
            if (older == null) {
                throw refused;
            }
            try {
                return send(older, method, path, body, bytes);
            } catch (IOException notThereEither) {
                // the store is down (or not of that release): the admin port's refusal is the news
                refused.addSuppressed(notThereEither);
                throw refused;
            }
        }
    }

    private NodeStatus send(String baseUrl, String method, String path, Object body, byte[] bytes) throws IOException {
        List<String> all = secrets.get().all();
        for (int i = 0; ; i++) {
            try {
                return sendSigned(all.get(i), baseUrl, method, path, body, bytes);
            } catch (AdminCallException e) {
                if (e.status() != 401 || i == all.size() - 1) {
                    throw e;
                }
            }
        }
    }

    private NodeStatus sendSigned(String secret, String baseUrl, String method, String path, Object body, byte[] bytes)
            throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(timeout)
                .header(AdminAuth.HEADER, AdminAuth.signWith(secret, method, path, bytes, System.currentTimeMillis()))
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

    /** The primary's log does not hold the archive's last entry as the archive does: its history dropped it. */
    public static final class LogDiverged extends AdminCallException {
        private final long primaryTerm;

        public LogDiverged(String message, long primaryTerm) {
            super(409, message);
            this.primaryTerm = primaryTerm;
        }

        /** The term of the primary that answered: what the archive set aside must be of an earlier one. */
        public long primaryTerm() {
            return primaryTerm;
        }
    }

    /** The store answered, but refused the call. */
    public static class AdminCallException extends IOException {
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
