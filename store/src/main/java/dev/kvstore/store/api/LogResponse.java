package dev.kvstore.store.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.core.admin.LogRequest;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogEntryCodec;
import dev.kvstore.store.node.LogSlice;
import dev.kvstore.store.node.StoreNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The admin call {@code POST /v1/admin/log}: the primary's committed entries after a point, for the log
 * archive, in the log's own binary form (each entry with its checksum). The body is the request
 * ({@link LogRequest}) so that the signature covers it. Headers: {@code X-KV-Log-First} (0 when none),
 * {@code X-KV-Log-Last} and
 * {@code X-KV-Log-Last-Epoch} (the last entry given, or the point asked after when none),
 * {@code X-KV-Log-Committed}, {@code X-KV-Log-Covered-Through-Millis} ({@link LogSlice#coveredThroughMillis}).
 * The archive's divergence answers 409 with {@code X-KV-Log-Diverged: true} and the primary's term
 * ({@code X-KV-Term-Epoch}), a point compacted away 410.
 */
final class LogResponse {

    static final String PATH = "/v1/admin/log";
    /** One answer is held whole in memory: bounded whatever the caller asks. */
    static final long MAX_BYTES = 4L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogResponse() {
    }

    /** A status, the headers and the body; blocking work (it reads the log): on a worker. */
    record Answer(int status, java.util.Map<String, String> headers, Buffer body) {
    }

    static Answer answer(StoreNode node, byte[] requestBody) {
        LogRequest request;
        try {
            request = JSON.readValue(requestBody, LogRequest.class);
        } catch (IOException malformed) {
            return error(400, "malformed LogRequest: " + malformed.getMessage());
        }
        LogSlice slice;
        try {
            slice = node.committedLogAfter(request.after(), request.afterEpoch(),
                    Math.min(MAX_BYTES, request.maxBytes()));
        } catch (LogSlice.Diverged diverged) {
            // said apart from every other 409: only this lets the archive set aside what it holds, and only for a
            // primary of a later term than what it set aside
            return new Answer(409, java.util.Map.of("Content-Type", "application/json", "X-KV-Log-Diverged", "true",
                    "X-KV-Term-Epoch", String.valueOf(node.termEpoch())), Buffer.buffer(Responses.errorJson(
                    diverged.getMessage())));
        } catch (LogSlice.Compacted compacted) {
            return error(410, compacted.getMessage());
        } catch (RuntimeException refused) {
            Responses.Refusal refusal = Responses.refusalOf(refused, node.settings().writeTimeoutMillis());
            // a misdirected call names the primary, as every other answer does
            return new Answer(refusal.status(), refusal.primary() == null ? java.util.Map.of("Content-Type",
                    "application/json") : java.util.Map.of("Content-Type", "application/json", "X-KV-Primary",
                    refusal.primary()), Buffer.buffer(Responses.errorJson(refusal.message(), refusal.primary())));
        }
        int size = 0;
        for (LogEntry entry : slice.entries()) {
            size += LogEntryCodec.encodedSize(entry);
        }
        ByteBuffer bytes = ByteBuffer.allocate(size);
        for (LogEntry entry : slice.entries()) {
            LogEntryCodec.encode(entry, bytes);
        }
        LogEntry last = slice.entries().isEmpty() ? null : slice.entries().get(slice.entries().size() - 1);
        return new Answer(200, java.util.Map.of(
                "Content-Type", "application/octet-stream",
                "X-KV-Log-First", String.valueOf(slice.entries().isEmpty() ? 0 : slice.entries().get(0).offset()),
                "X-KV-Log-Last", String.valueOf(last == null ? request.after() : last.offset()),
                "X-KV-Log-Last-Epoch", String.valueOf(last == null ? request.afterEpoch() : last.epoch()),
                "X-KV-Log-Committed", String.valueOf(slice.committed()),
                "X-KV-Log-Covered-Through-Millis", String.valueOf(slice.coveredThroughMillis())),
                Buffer.buffer(bytes.array()));
    }

    private static Answer error(int status, String message) {
        return new Answer(status, java.util.Map.of("Content-Type", "application/json"),
                Buffer.buffer(Responses.errorJson(message)));
    }
}
