package dev.kvstore.store.resp;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Encodes replies into a buffer in the protocol the connection speaks: RESP2, or RESP3 after
 * {@code HELLO 3}. Where RESP3 has a type of its own (null, map, set, double, boolean), RESP2 gets
 * what Redis sends a RESP2 client for it.
 */
public final class RespWriter {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL2 = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_ARRAY2 = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL3 = "_\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] SMALL_INTEGERS = new byte[64][];

    static {
        for (int i = 0; i < SMALL_INTEGERS.length; i++) {
            SMALL_INTEGERS[i] = (":" + i + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final Buffer out;
    private final int protocol;

    public RespWriter(Buffer out, int protocol) {
        this.out = out;
        this.protocol = protocol;
    }

    public static RespWriter into(Buffer out, int protocol) {
        return new RespWriter(out, protocol);
    }

    public Buffer buffer() {
        return out;
    }

    public int protocol() {
        return protocol;
    }

    public RespWriter ok() {
        out.appendBytes(OK);
        return this;
    }

    public RespWriter simple(String text) {
        out.appendByte((byte) '+').appendString(text, "UTF-8").appendBytes(CRLF);
        return this;
    }

    /** An error reply; {@code text} starts with its code (ERR, READONLY, ...), without the dash. */
    public RespWriter error(String text) {
        // an error is one line: a message with a line break in it would end the reply early
        String line = text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0 ? text.replace('\r', ' ').replace('\n', ' ') : text;
        out.appendByte((byte) '-').appendString(line, "UTF-8").appendBytes(CRLF);
        return this;
    }

    public RespWriter integer(long value) {
        if (value >= 0 && value < SMALL_INTEGERS.length) {
            out.appendBytes(SMALL_INTEGERS[(int) value]);
        } else {
            header(':', value);
        }
        return this;
    }

    public RespWriter bulk(byte[] value) {
        if (value == null) {
            return nullValue();
        }
        header('$', value.length);
        out.appendBytes(value).appendBytes(CRLF);
        return this;
    }

    public RespWriter bulk(String value) {
        return value == null ? nullValue() : bulk(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A verbatim string in RESP3 (what Redis sends for INFO there), a bulk string in RESP2. */
    public RespWriter verbatim(String text) {
        if (protocol < 3) {
            return bulk(text);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        header('=', bytes.length + 4);
        out.appendString("txt:").appendBytes(bytes).appendBytes(CRLF);
        return this;
    }

    /** The null bulk string (RESP2) or null (RESP3). */
    public RespWriter nullValue() {
        out.appendBytes(protocol >= 3 ? NULL3 : NULL2);
        return this;
    }

    /** The null array (RESP2: an aborted EXEC, a timed-out blocking call) or null (RESP3). */
    public RespWriter nullArray() {
        out.appendBytes(protocol >= 3 ? NULL3 : NULL_ARRAY2);
        return this;
    }

    public RespWriter array(int count) {
        header('*', count);
        return this;
    }

    /** A map of {@code count} pairs; RESP2 gets a flat array of keys and values. */
    public RespWriter map(int count) {
        if (protocol >= 3) {
            header('%', count);
        } else {
            header('*', count * 2L);
        }
        return this;
    }

    public RespWriter set(int count) {
        header(protocol >= 3 ? '~' : '*', count);
        return this;
    }

    public RespWriter bool(boolean value) {
        if (protocol >= 3) {
            out.appendString(value ? "#t\r\n" : "#f\r\n");
        } else {
            integer(value ? 1 : 0);
        }
        return this;
    }

    public RespWriter bulks(Collection<String> values) {
        array(values.size());
        values.forEach(this::bulk);
        return this;
    }

    /** A map of strings to strings or numbers, in the map's order. */
    public RespWriter stringMap(Map<String, ?> entries) {
        map(entries.size());
        entries.forEach((key, value) -> {
            bulk(key);
            if (value instanceof Number number) {
                integer(number.longValue());
            } else if (value instanceof Collection<?> list) {
                array(list.size());
                list.forEach(item -> bulk(String.valueOf(item)));
            } else {
                bulk(String.valueOf(value));
            }
        });
        return this;
    }

    private void header(char type, long value) {
        out.appendByte((byte) type).appendString(Long.toString(value)).appendBytes(CRLF);
    }
}
