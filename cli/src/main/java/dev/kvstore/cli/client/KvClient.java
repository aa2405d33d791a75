package dev.kvstore.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A small client for the store's HTTP API that finds the primary itself: it remembers the last
 * primary and, when refused, asks the stores' status until one says it is primary.
 */
public final class KvClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An acknowledged write. */
    public record Ack(long epoch, long offset) {
    }

    /** A read answer: the value (empty when absent) and who answered. */
    public record Read(Optional<byte[]> value, String role, long lag) {
    }

    private final List<String> urls;
    private final HttpClient http;
    private final Duration timeout;
    private volatile String primary;

    /** {@code Authorization} header value sent with every request; null: none (stores without users). */
    private final String authorization;

    /** What https URLs are checked against; null: the JDK's default trust (public CAs). */
    private final javax.net.ssl.SSLContext tls;

    public KvClient(List<String> urls, Duration timeout) {
        this(urls, timeout, null, null);
    }

    private KvClient(List<String> urls, Duration timeout, String authorization, javax.net.ssl.SSLContext tls) {
        this.urls = List.copyOf(urls);
        this.timeout = timeout;
        this.authorization = authorization;
        this.tls = tls;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500))
                .version(HttpClient.Version.HTTP_1_1);
        this.http = (tls == null ? builder : builder.sslContext(tls)).build();
    }

    /** The same client, authenticating as {@code user} (HTTP Basic) on every request. */
    public KvClient as(String user, String password) {
        String token = java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return new KvClient(urls, timeout, "Basic " + token, tls);
    }

    /** The same client, checking the stores' https certificates against {@code trusting} (a cluster's own CA). */
    public KvClient withTls(javax.net.ssl.SSLContext trusting) {
        return new KvClient(urls, timeout, authorization, trusting);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout);
        return authorization == null ? builder : builder.header("Authorization", authorization);
    }

    /** One attempt at the current primary; throws when refused or unreachable. */
    public Ack put(String key, byte[] value) throws IOException {
        String target = primaryUrl();
        HttpResponse<String> response = send(request(uri(target, key))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(value)).build());
        return ackOf(response, target);
    }

    public Ack delete(String key) throws IOException {
        String target = primaryUrl();
        return ackOf(send(request(uri(target, key)).DELETE().build()), target);
    }

    /** Keeps trying (finding the primary again) until acknowledged or {@code patience} runs out. */
    public Ack putWithRetry(String key, byte[] value, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return put(key, value);
            } catch (WriteRefused e) {
                if (e.status() == 401 || e.status() == 403) {
                    throw e; // wrong credentials or no permission: trying again changes nothing
                }
                last = e;
                primary = null;
                Thread.sleep(20);
            } catch (IOException e) {
                last = e;
                primary = null;
                Thread.sleep(20);
            }
        }
        throw last != null ? last : new IOException("no attempt made");
    }

    public Read get(String url, String key) throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request(uri(url, key)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String role = response.headers().firstValue("X-KV-Role").orElse("?");
        long lag = response.headers().firstValue("X-KV-Lag").map(Long::parseLong).orElse(-1L);
        if (response.statusCode() == 404) {
            return new Read(Optional.empty(), role, lag);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + key + " at " + url + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return new Read(Optional.of(response.body()), role, lag);
    }

    /** Reads from the primary (linearizable while it holds its lease). */
    public Read get(String key) throws IOException {
        return get(primaryUrl(), key);
    }

    public JsonNode status(String url) throws IOException {
        HttpResponse<String> response = send(request(URI.create(url + "/v1/status"))
                .GET().build());
        if (response.statusCode() != 200) {
            throw new IOException("status of " + url + " answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    /** The store that says it is primary and not fenced, with the highest epoch. */
    public String primaryUrl() throws IOException {
        String known = primary;
        if (known != null) {
            return known;
        }
        String best = null;
        long bestEpoch = -1;
        for (String url : urls) {
            try {
                JsonNode status = status(url);
                if ("primary".equals(status.path("role").asText()) && !status.path("fenced").asBoolean()
                        && status.path("epoch").asLong() > bestEpoch) {
                    best = url;
                    bestEpoch = status.path("epoch").asLong();
                }
            } catch (IOException e) {
                // down or starting: try the next
            }
        }
        if (best == null) {
            throw new IOException("no store says it is the primary (tried " + urls + ")");
        }
        primary = best;
        return best;
    }

    private Ack ackOf(HttpResponse<String> response, String target) throws IOException {
        if (response.statusCode() == 200) {
            JsonNode body = JSON.readTree(response.body());
            return new Ack(body.path("epoch").asLong(), body.path("offset").asLong());
        }
        primary = null;
        throw new WriteRefused(response.statusCode(), target + " answered " + response.statusCode() + ": " + response.body());
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (IOException e) {
            primary = null;
            throw e;
        }
    }

    private static URI uri(String base, String key) {
        return URI.create(base + "/v1/kv/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** The store answered but did not acknowledge the write. */
    public static final class WriteRefused extends IOException {
        private final int status;

        public WriteRefused(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
