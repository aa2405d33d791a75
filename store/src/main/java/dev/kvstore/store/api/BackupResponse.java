package dev.kvstore.store.api;

import dev.kvstore.store.node.StoreNode;
import dev.kvstore.store.snapshot.Snapshot;
import dev.kvstore.store.snapshot.SnapshotFile;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The admin call {@code GET /v1/admin/backup}: this store's applied data as one snapshot, in the snapshot
 * file's format (checksummed, so a restore can tell a whole one from a cut or damaged one), streamed as it
 * is written. Headers say what it covers: {@code X-KV-Backup-Offset} (the last entry in it),
 * {@code X-KV-Backup-Epoch} (that entry's epoch), {@code X-KV-Backup-Keys}. The snapshot is taken with
 * applies held off for a moment (references to the records, no copy) and written on a worker, at the pace
 * the caller reads: never more than a few chunks ahead of the socket.
 */
final class BackupResponse {

    static final String PATH = "/v1/admin/backup";
    private static final Logger LOG = Logger.getLogger(BackupResponse.class);
    private static final int CHUNK_BYTES = 256 * 1024;
    /** A caller that reads nothing for this long has gone: the worker stops. */
    private static final long STALLED_SECONDS = 60;
    private final Vertx vertx;
    private final StoreNode node;
    /**
     * One backup at a time per store: each holds a worker thread, and the records it covers (the ones written
     * over since stay on the heap until it is done; the memory budget does not count them).
     */
    private final AtomicBoolean running = new AtomicBoolean();

    BackupResponse(Vertx vertx, StoreNode node) {
        this.vertx = vertx;
        this.node = node;
    }

    void send(HttpServerRequest request) {
        if (!running.compareAndSet(false, true)) {
            request.response().setStatusCode(409).putHeader("Content-Type", "application/json")
                    .end(Responses.errorJson("a backup of this store is running; one at a time"));
            return;
        }
        try {
            start(request);
        } catch (RuntimeException e) {
            running.set(false);
            throw e;
        }
    }

    /** Takes the snapshot on a worker, then streams it; {@link #running} is cleared on every way out. */
    private void start(HttpServerRequest request) {
        Context context = vertx.getOrCreateContext();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        // here, on the request's event loop, before anything is written: a caller gone from now on is seen
        request.response().closeHandler(gone -> closed.complete(null));
        vertx.executeBlocking(node::backupSnapshot, false).onComplete(taken -> {
            boolean streaming = false;
            try {
                if (taken.failed()) {
                    Responses.Refusal refusal = Responses.refusalOf(taken.cause(), node.settings().writeTimeoutMillis());
                    request.response().setStatusCode(refusal.status()).putHeader("Content-Type", "application/json")
                            .end(Responses.errorJson(refusal.message(), refusal.primary()));
                    return;
                }
                if (request.response().closed()) {
                    return; // the caller left while the snapshot was taken
                }
                stream(request, context, closed, taken.result());
                streaming = true;
            } finally {
                if (!streaming) {
                    running.set(false);
                }
            }
        });
    }

    private void stream(HttpServerRequest request, Context context, CompletableFuture<Void> closed, Snapshot snapshot) {
        long offset = snapshot.lastIncludedOffset();
        HttpServerResponse response = request.response().setChunked(true)
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("X-KV-Backup-Offset", Long.toString(offset))
                .putHeader("X-KV-Backup-Epoch", Long.toString(offset == 0 ? 0 : snapshot.history().epochAt(offset)))
                .putHeader("X-KV-Backup-Keys", Long.toString(snapshot.data().size()));
        vertx.executeBlocking(() -> {
            try (OutputStream out = new PacedOutput(response, context, closed)) {
                SnapshotFile.writeTo(snapshot, out);
            }
            return null;
        }, false).onComplete(written -> {
            running.set(false);
            if (written.succeeded() && !response.closed()) {
                response.end().onComplete(ended -> {
                    if (ended.succeeded()) {
                        LOG.infof("backup at offset %d (%d keys) sent", offset, snapshot.data().size());
                    } else {
                        LOG.warnf("backup at offset %d not sent whole: %s", offset, ended.cause().toString());
                    }
                });
            } else {
                // no end: the caller sees the stream cut, never a complete-looking backup
                LOG.warnf("backup at offset %d not sent whole: %s", offset,
                        written.failed() ? written.cause().toString() : "the caller closed the connection");
                request.connection().close();
            }
        });
    }

    /**
     * Hands chunks to the response on its event loop and waits, on the worker, until the response can take
     * more: the snapshot is written no faster than the caller reads it.
     */
    private static final class PacedOutput extends OutputStream {
        private final HttpServerResponse response;
        private final Context context;
        private final CompletableFuture<Void> closed;
        private Buffer pending = Buffer.buffer(CHUNK_BYTES);

        PacedOutput(HttpServerResponse response, Context context, CompletableFuture<Void> closed) {
            this.response = response;
            this.context = context;
            this.closed = closed;
        }

        @Override
        public void write(int b) throws IOException {
            pending.appendByte((byte) b);
            if (pending.length() >= CHUNK_BYTES) {
                send();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            pending.appendBytes(bytes, offset, length);
            if (pending.length() >= CHUNK_BYTES) {
                send();
            }
        }

        @Override
        public void close() throws IOException {
            if (pending.length() > 0) {
                send();
            }
        }

        private void send() throws IOException {
            Buffer chunk = pending;
            pending = Buffer.buffer(CHUNK_BYTES);
            CompletableFuture<Void> room = new CompletableFuture<>();
            context.runOnContext(v -> {
                if (closed.isDone() || response.closed()) {
                    room.completeExceptionally(new IOException("the caller closed the connection"));
                    return;
                }
                response.write(chunk);
                if (response.writeQueueFull()) {
                    response.drainHandler(drained -> room.complete(null));
                } else {
                    room.complete(null);
                }
            });
            try {
                CompletableFuture.anyOf(room, closed).get(STALLED_SECONDS, TimeUnit.SECONDS);
                if (closed.isDone()) {
                    throw new IOException("the caller closed the connection");
                }
                room.join();
            } catch (ExecutionException | java.util.concurrent.CompletionException e) {
                throw new IOException(e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("the caller read nothing for " + STALLED_SECONDS + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }
}
