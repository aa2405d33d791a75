package dev.kvstore.cli.resp;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** One store's Prometheus counters, read from its /metrics endpoint. */
final class StoreMetrics {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String text;

    private StoreMetrics(String text) {
        this.text = text;
    }

    static StoreMetrics of(String managementUrl) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(managementUrl + "/metrics answered " + response.statusCode());
        }
        return new StoreMetrics(response.body());
    }

    double value(String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no metric " + name + " in:\n" + text);
    }
}
