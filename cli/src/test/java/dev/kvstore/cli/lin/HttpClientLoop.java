package dev.kvstore.cli.lin;

import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * A client of the HTTP API recording every operation: puts on the registers and gets of any key.
 * A get counts only when the store answers it as primary (the reads the store claims linearizable:
 * the primary under its lease); any other answer is left out. On any refusal or silence it moves to
 * the next store, as a client that knows the stores' addresses does; or, pinned, it stays with one
 * store whatever happens (a client behind a proxy that has not noticed the failover): its requests
 * sent to a frozen primary are the first that primary answers when it wakes, deposed.
 */
final class HttpClientLoop implements Runnable {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final String name;
    private final List<NodeProcess> stores;
    private final History history;
    private final Workload workload;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final boolean pinned;
    private int store;
    private int generation;

    HttpClientLoop(String name, List<NodeProcess> stores, History history, Workload workload, long seed) {
        this(name, stores, history, workload, seed, false);
    }

    private HttpClientLoop(String name, List<NodeProcess> stores, History history, Workload workload, long seed,
                           boolean pinned) {
        this.name = name;
        this.pinned = pinned;
        this.stores = stores;
        this.history = history;
        this.workload = workload;
        this.random = new Random(seed);
    }

    /** A client that only ever talks to {@code store}. */
    static HttpClientLoop pinnedTo(NodeProcess store, String name, History history, Workload workload, long seed) {
        return new HttpClientLoop(name, List.of(store), history, workload, seed, true);
    }

    @Override
    public void run() {
        for (long n = 0; workload.running(); n++) {
            boolean moveOn = random.nextBoolean() ? put(Workload.pick(Workload.REGISTERS, random), name + "-" + n)
                    : get(workload.anyKey(random));
            if (moveOn) {
                store = pinned ? store : (store + 1) % stores.size();
                Workload.backOff();
            }
        }
    }

    /** A process id for the checker: a new one after an operation of unknown outcome, as Jepsen does. */
    private String client() {
        return name + "#" + generation;
    }

    /** Returns whether to move to the next store. */
    private boolean put(String key, String value) {
        NodeProcess target = stores.get(store);
        History.Op op = history.invoke(client(), "put", key, value);
        try {
            HttpResponse<String> response = http.send(request(target, key)
                    .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                op.ok(null, target.name());
                return false;
            }
            History.Outcome outcome = Outcomes.ofHttpRefusal(response.statusCode(), response.body());
            op.end(outcome, null, target.name());
            if (outcome == History.Outcome.UNKNOWN) {
                generation++;
            }
        } catch (ConnectException | HttpConnectTimeoutException notConnected) {
            op.fail(target.name()); // the request never left: nothing applied
        } catch (IOException noAnswer) {
            op.unknown(target.name());
            generation++;
        } catch (InterruptedException e) {
            op.unknown(target.name());
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** Returns whether to move to the next store. */
    private boolean get(String key) {
        NodeProcess target = stores.get(store);
        History.Op op = history.invoke(client(), "get", key, null);
        try {
            HttpResponse<byte[]> response = http.send(request(target, key).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            boolean asPrimary = "primary".equals(response.headers().firstValue("X-KV-Role").orElse(""));
            if (asPrimary && response.statusCode() == 200) {
                op.ok(new String(response.body(), StandardCharsets.UTF_8), target.name());
                return false;
            }
            if (asPrimary && response.statusCode() == 404) {
                op.ok(null, target.name());
                return false;
            }
            op.fail(target.name()); // a secondary's read, or refused: not claimed linearizable
        } catch (IOException noAnswer) {
            op.fail(target.name()); // an unanswered read says nothing
        } catch (InterruptedException e) {
            op.fail(target.name());
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static HttpRequest.Builder request(NodeProcess store, String key) {
        return HttpRequest.newBuilder(URI.create(store.httpUrl() + "/v1/kv/" + key)).timeout(TIMEOUT);
    }
}
