package dev.kvstore.store.resp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the bytes a client sends into commands: RESP arrays of bulk strings, and inline commands
 * (what {@code telnet} and {@code redis-cli} in some modes send). An explicit state machine that
 * takes bytes in any fragmentation and checks every declared length before it allocates.
 *
 * <p>Own code rather than Netty's {@code codec-redis}: the Netty that Quarkus 3.33 brings has no
 * bound on a declared array length (it pre-sizes a list of that length), no RESP3 reply types, and
 * its aggregators allocate a message object per part; this decoder hands each command over as a
 * list of byte arrays and nothing else.
 *
 * <p>A bulk string over {@link RespLimits#maxBulkBytes()} is not a protocol error: its bytes are
 * skipped as they arrive, and the command is handed to {@link Sink#refused} so the client gets an
 * answer and the connection stays in step. Everything else malformed throws
 * {@link RespProtocolException}; the connection is then closed (as Redis does).
 */
public final class RespRequestDecoder {

    /** Where decoded commands go, in the order they arrived. */
    public interface Sink {
        void command(List<byte[]> args);

        /** A command that was read to its end but cannot be run; answer {@code error} (without the dash). */
        void refused(String error);

        /**
         * Whether the client has authenticated (or need not): until it has, commands are held to
         * {@link RespLimits#UNAUTHENTICATED_MAX_ARGS} arguments of {@link RespLimits#UNAUTHENTICATED_MAX_BULK}
         * bytes, as in Redis since 6.2, so that no one without a password makes the store buffer megabytes.
         */
        default boolean authenticated() {
            return true;
        }
    }

    private enum State { START, BULK_HEADER, BULK_BODY, SKIP_BULK }

    private final RespLimits limits;
    private final Sink sink;
    private byte[] buf = new byte[4096];
    private int start;
    private int end;

    private State state = State.START;
    private int argsLeft;
    private List<byte[]> args;
    private int bulkLength;
    private long skipLeft;
    private long commandBytes;
    private String refusal;

    public RespRequestDecoder(RespLimits limits, Sink sink) {
        this.limits = limits;
        this.sink = sink;
    }

    /** Feeds the next bytes from the connection; every command they complete goes to the sink. */
    public void feed(byte[] data, int offset, int length) throws RespProtocolException {
        int pos = offset;
        int left = length;
        // a large bulk being skipped never enters the buffer
        while (left > 0) {
            if (state == State.SKIP_BULK && start == end) {
                int skipped = (int) Math.min(skipLeft, left);
                skipLeft -= skipped;
                pos += skipped;
                left -= skipped;
                if (skipLeft == 0) {
                    bulkDone();
                }
                continue;
            }
            int take = append(data, pos, left);
            pos += take;
            left -= take;
            decodeBuffered();
        }
        decodeBuffered();
    }

    public void feed(byte[] data) throws RespProtocolException {
        feed(data, 0, data.length);
    }

    /** Bytes received that do not yet make a whole command. */
    public int buffered() {
        return end - start;
    }

    private int append(byte[] data, int offset, int length) {
        if (start > 0 && (start == end || end + length > buf.length)) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        int room = buf.length - end;
        if (room < length) {
            // grow to what the current element needs, never to what a client merely declares
            int need = Math.max(neededBytes(), limits.maxLineBytes() + 2);
            int size = Math.max(buf.length, Math.min(end + length, need));
            if (size > buf.length) {
                buf = Arrays.copyOf(buf, size);
            }
            room = buf.length - end;
        }
        int take = Math.min(room, length);
        System.arraycopy(data, offset, buf, end, take);
        end += take;
        return take;
    }

    /** How many bytes the element being read needs in the buffer (a bulk body with its CRLF, or a line). */
    private int neededBytes() {
        return state == State.BULK_BODY ? bulkLength + 2 : 0;
    }

    private void decodeBuffered() throws RespProtocolException {
        while (start < end) {
            switch (state) {
                case START -> {
                    if (!startCommand()) {
                        return;
                    }
                }
                case BULK_HEADER -> {
                    if (!bulkHeader()) {
                        return;
                    }
                }
                case BULK_BODY -> {
                    if (end - start < bulkLength + 2) {
                        return;
                    }
                    if (buf[start + bulkLength] != '\r' || buf[start + bulkLength + 1] != '\n') {
                        throw new RespProtocolException("expected CRLF after a bulk string of " + bulkLength + " bytes");
                    }
                    args.add(Arrays.copyOfRange(buf, start, start + bulkLength));
                    start += bulkLength + 2;
                    bulkDone();
                }
                case SKIP_BULK -> {
                    int skipped = (int) Math.min(skipLeft, end - start);
                    start += skipped;
                    skipLeft -= skipped;
                    if (skipLeft == 0) {
                        bulkDone();
                    } else {
                        return;
                    }
                }
            }
        }
    }

    private boolean startCommand() throws RespProtocolException {
        if (buf[start] != '*') {
            return inline();
        }
        int lineEnd = lineEnd(start + 1, "too big mbulk count string");
        if (lineEnd < 0) {
            return false;
        }
        long count = parseLong(start + 1, lineEnd, "invalid multibulk length");
        start = lineEnd + 2;
        if (count > limits.maxArgs()) {
            throw new RespProtocolException("invalid multibulk length");
        }
        if (count > RespLimits.UNAUTHENTICATED_MAX_ARGS && !sink.authenticated()) {
            throw new RespProtocolException("unauthenticated multibulk length");
        }
        if (count <= 0) {
            return true; // *0 and *-1 are no command at all, as in Redis
        }
        argsLeft = (int) count;
        args = new ArrayList<>((int) Math.min(count, 16));
        commandBytes = 0;
        refusal = null;
        state = State.BULK_HEADER;
        return true;
    }

    private boolean bulkHeader() throws RespProtocolException {
        if (buf[start] != '$') {
            throw new RespProtocolException("expected '$', got '" + printable(buf[start]) + "'");
        }
        int lineEnd = lineEnd(start + 1, "too big bulk count string");
        if (lineEnd < 0) {
            return false;
        }
        long length = parseLong(start + 1, lineEnd, "invalid bulk length");
        start = lineEnd + 2;
        if (length < 0 || length > RespLimits.PROTOCOL_MAX_BULK) {
            throw new RespProtocolException("invalid bulk length");
        }
        if (length > RespLimits.UNAUTHENTICATED_MAX_BULK && !sink.authenticated()) {
            throw new RespProtocolException("unauthenticated bulk length");
        }
        commandBytes += length;
        if (length > limits.maxBulkBytes()) {
            // read past it without keeping it: the client gets an answer and its next command is understood
            if (refusal == null) {
                refusal = "ERR argument of " + length + " bytes exceeds the limit of " + limits.maxBulkBytes()
                        + " bytes (kv.max-value-bytes); nothing was stored";
            }
            skipLeft = length + 2;
            state = State.SKIP_BULK;
            return true;
        }
        if (commandBytes > limits.maxCommandBytes() && refusal == null) {
            refusal = "ERR command of more than " + limits.maxCommandBytes()
                    + " bytes exceeds the limit (kv.max-entry-bytes); nothing was stored";
        }
        if (refusal != null) {
            skipLeft = length + 2;
            state = State.SKIP_BULK;
            return true;
        }
        bulkLength = (int) length;
        state = State.BULK_BODY;
        return true;
    }

    private void bulkDone() throws RespProtocolException {
        argsLeft--;
        if (argsLeft > 0) {
            state = State.BULK_HEADER;
            return;
        }
        state = State.START;
        List<byte[]> done = args;
        args = null;
        if (refusal != null) {
            String error = refusal;
            refusal = null;
            sink.refused(error);
        } else {
            sink.command(done);
        }
    }

    /** An inline command: words separated by spaces, up to CRLF or LF. */
    private boolean inline() throws RespProtocolException {
        int newline = -1;
        int limit = Math.min(end, start + limits.maxLineBytes());
        for (int i = start; i < limit; i++) {
            if (buf[i] == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            if (end - start >= limits.maxLineBytes()) {
                throw new RespProtocolException("too big inline request");
            }
            return false;
        }
        int lineEnd = newline > start && buf[newline - 1] == '\r' ? newline - 1 : newline;
        List<byte[]> words = InlineSplitter.split(buf, start, lineEnd);
        start = newline + 1;
        if (words.size() > limits.maxArgs()) {
            throw new RespProtocolException("invalid multibulk length");
        }
        if (!words.isEmpty()) {
            sink.command(words);
        }
        return true;
    }

    /** The index of the CR of the CRLF that ends the line starting at {@code from}, or -1 if not here yet. */
    private int lineEnd(int from, String tooLong) throws RespProtocolException {
        int limit = Math.min(end - 1, from + limits.maxLineBytes());
        for (int i = from; i < limit; i++) {
            if (buf[i] == '\r') {
                if (buf[i + 1] != '\n') {
                    throw new RespProtocolException("expected LF after CR");
                }
                return i;
            }
        }
        if (end - from > limits.maxLineBytes()) {
            throw new RespProtocolException(tooLong);
        }
        return -1;
    }

    private long parseLong(int from, int to, String error) throws RespProtocolException {
        if (from == to || to - from > 19) {
            throw new RespProtocolException(error);
        }
        boolean negative = buf[from] == '-';
        int i = negative ? from + 1 : from;
        if (i == to) {
            throw new RespProtocolException(error);
        }
        long value = 0;
        for (; i < to; i++) {
            byte b = buf[i];
            if (b < '0' || b > '9') {
                throw new RespProtocolException(error);
            }
            value = value * 10 + (b - '0');
        }
        return negative ? -value : value;
    }

    private static String printable(byte b) {
        return b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xff);
    }
}
