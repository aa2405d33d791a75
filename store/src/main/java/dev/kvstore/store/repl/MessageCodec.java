package dev.kvstore.store.repl;

import dev.kvstore.store.log.CorruptEntryException;
import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import dev.kvstore.store.log.LogEntryCodec;
import dev.kvstore.store.log.LogFormat;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encodes messages as frame payloads and decodes them with every length checked. */
public final class MessageCodec {

    static final byte CHALLENGE = 1;
    static final byte HELLO = 2;
    static final byte WELCOME = 3;
    static final byte REFUSED = 4;
    static final byte ENTRIES = 5;
    static final byte HEARTBEAT = 6;
    static final byte ACK = 7;
    static final byte SNAPSHOT_BEGIN = 8;
    static final byte SNAPSHOT_CHUNK = 9;
    static final byte SNAPSHOT_END = 10;

    public static final int NONCE_BYTES = 16;
    public static final int PROOF_BYTES = 32;
    private static final int MAX_STRING_BYTES = 1024;
    private static final int MAX_HISTORY = 100_000;

    private final int maxEntryBytes;

    public MessageCodec(int maxEntryBytes) {
        this.maxEntryBytes = maxEntryBytes;
    }

    /** The bytes of one whole frame (length prefix included). */
    public byte[] encode(Message message) {
        ByteBuffer out;
        byte type;
        if (message instanceof Message.Challenge m) {
            type = CHALLENGE;
            out = ByteBuffer.allocate(NONCE_BYTES + 2 + utf8(m.clusterId()).length);
            out.put(m.nonce());
            putString(out, m.clusterId());
        } else if (message instanceof Message.Hello m) {
            type = HELLO;
            out = ByteBuffer.allocate(4 + utf8(m.nodeId()).length + utf8(m.clusterId()).length + NONCE_BYTES
                    + PROOF_BYTES + 8 + 8 + 4 + 16 * m.history().starts().size()
                    + (m.logFormat() > LogFormat.BASIC ? 8 : 0));
            putString(out, m.nodeId());
            putString(out, m.clusterId());
            out.put(m.nonce());
            out.put(m.proof());
            out.putLong(m.epoch());
            out.putLong(m.lastOffset());
            out.putInt(m.history().starts().size());
            for (EpochHistory.Start start : m.history().starts()) {
                out.putLong(start.epoch());
                out.putLong(start.offset());
            }
            if (m.logFormat() > LogFormat.BASIC) {
                // absent for the basic format: a Hello exactly as releases before the negotiation sent it
                out.putInt(m.logFormat());
                out.putInt(m.respPort());
            }
        } else if (message instanceof Message.Welcome m) {
            type = WELCOME;
            out = ByteBuffer.allocate(PROOF_BYTES + 32 + (m.respPort() > 0 ? 4 : 0));
            out.put(m.proof());
            out.putLong(m.epoch());
            out.putLong(m.keepUpTo());
            out.putLong(m.commitOffset());
            out.putLong(m.primaryLastOffset());
            if (m.respPort() > 0) {
                // only to a secondary of format 2 or later: earlier releases read nothing after the offsets
                out.putInt(m.respPort());
            }
        } else if (message instanceof Message.Refused m) {
            type = REFUSED;
            byte[] reason = truncate(utf8(m.reason()));
            out = ByteBuffer.allocate(2 + reason.length);
            out.putShort((short) reason.length);
            out.put(reason);
        } else if (message instanceof Message.Entries m) {
            type = ENTRIES;
            int size = 8 * 4 + 4;
            for (LogEntry entry : m.entries()) {
                size += LogEntryCodec.encodedSize(entry);
            }
            // the stream's bulk: encoded in place in its frame, not copied into one afterwards
            ByteBuffer frame = FrameDecoder.startFrame(ENTRIES, size);
            frame.putLong(m.epoch());
            frame.putLong(m.commitOffset());
            frame.putLong(m.primaryLastOffset());
            frame.putLong(m.sentNanos());
            frame.putInt(m.entries().size());
            for (LogEntry entry : m.entries()) {
                LogEntryCodec.encode(entry, frame);
            }
            return frame.array();
        } else if (message instanceof Message.Heartbeat m) {
            type = HEARTBEAT;
            out = ByteBuffer.allocate(32);
            out.putLong(m.epoch());
            out.putLong(m.commitOffset());
            out.putLong(m.primaryLastOffset());
            out.putLong(m.sentNanos());
        } else if (message instanceof Message.Ack m) {
            type = ACK;
            out = ByteBuffer.allocate(24);
            out.putLong(m.epoch());
            out.putLong(m.durableOffset());
            out.putLong(m.echoNanos());
        } else if (message instanceof Message.SnapshotBegin m) {
            type = SNAPSHOT_BEGIN;
            out = ByteBuffer.allocate(16);
            out.putLong(m.lastIncludedOffset());
            out.putLong(m.totalBytes());
        } else if (message instanceof Message.SnapshotChunk m) {
            type = SNAPSHOT_CHUNK;
            out = ByteBuffer.wrap(m.data());
        } else if (message instanceof Message.SnapshotEnd) {
            type = SNAPSHOT_END;
            out = ByteBuffer.allocate(0);
        } else {
            throw new IllegalArgumentException("unknown message " + message);
        }
        return FrameDecoder.encode(type, out.array());
    }

    /** @throws ProtocolException when the payload is not a well-formed message of its type */
    public Message decode(Frame frame) {
        ByteBuffer in = ByteBuffer.wrap(frame.payload());
        try {
            Message message = switch (frame.type()) {
                case CHALLENGE -> new Message.Challenge(bytes(in, NONCE_BYTES), getString(in));
                case HELLO -> {
                    String nodeId = getString(in);
                    String clusterId = getString(in);
                    byte[] nonce = bytes(in, NONCE_BYTES);
                    byte[] proof = bytes(in, PROOF_BYTES);
                    long epoch = nonNegative(in.getLong(), "epoch");
                    long lastOffset = nonNegative(in.getLong(), "last offset");
                    int count = in.getInt();
                    if (count < 0 || count > MAX_HISTORY || count > in.remaining() / 16) {
                        throw new ProtocolException("epoch history of " + count + " entries does not fit the frame");
                    }
                    List<EpochHistory.Start> starts = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        starts.add(new EpochHistory.Start(in.getLong(), in.getLong()));
                    }
                    EpochHistory history;
                    try {
                        history = new EpochHistory(starts);
                    } catch (IllegalArgumentException e) {
                        throw new ProtocolException(e.getMessage());
                    }
                    int logFormat = LogFormat.BASIC;
                    int respPort = 0;
                    if (in.hasRemaining()) {
                        logFormat = in.getInt();
                        if (logFormat < LogFormat.BASIC) {
                            throw new ProtocolException("log format " + logFormat);
                        }
                        if (in.remaining() >= 4) {
                            respPort = port(in.getInt());
                        }
                    }
                    yield new Message.Hello(nodeId, clusterId, nonce, proof, epoch, lastOffset, history, logFormat,
                            respPort);
                }
                case WELCOME -> new Message.Welcome(bytes(in, PROOF_BYTES), nonNegative(in.getLong(), "epoch"),
                        nonNegative(in.getLong(), "keep-up-to offset"), nonNegative(in.getLong(), "commit offset"),
                        nonNegative(in.getLong(), "last offset"), in.hasRemaining() ? port(in.getInt()) : 0);
                case REFUSED -> {
                    int length = in.getShort() & 0xffff;
                    yield new Message.Refused(new String(bytes(in, length), StandardCharsets.UTF_8));
                }
                case ENTRIES -> {
                    long epoch = nonNegative(in.getLong(), "epoch");
                    long commit = nonNegative(in.getLong(), "commit offset");
                    long last = nonNegative(in.getLong(), "last offset");
                    long sent = in.getLong();
                    int count = in.getInt();
                    if (count < 0 || count > in.remaining() / LogEntryCodec.HEADER_BYTES) {
                        throw new ProtocolException(count + " entries do not fit the frame");
                    }
                    List<LogEntry> entries = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        LogEntry entry = LogEntryCodec.decode(in, maxEntryBytes);
                        if (!entries.isEmpty() && entry.offset() != entries.get(entries.size() - 1).offset() + 1) {
                            throw new ProtocolException("entries are not consecutive at " + entry.offset());
                        }
                        entries.add(entry);
                    }
                    yield new Message.Entries(epoch, commit, last, sent, entries);
                }
                case HEARTBEAT -> new Message.Heartbeat(nonNegative(in.getLong(), "epoch"),
                        nonNegative(in.getLong(), "commit offset"), nonNegative(in.getLong(), "last offset"),
                        in.getLong());
                case ACK -> new Message.Ack(nonNegative(in.getLong(), "epoch"),
                        nonNegative(in.getLong(), "durable offset"), in.getLong());
                case SNAPSHOT_BEGIN -> new Message.SnapshotBegin(nonNegative(in.getLong(), "snapshot offset"),
                        nonNegative(in.getLong(), "snapshot size"));
                case SNAPSHOT_CHUNK -> new Message.SnapshotChunk(bytes(in, in.remaining()));
                case SNAPSHOT_END -> new Message.SnapshotEnd();
                default -> throw new ProtocolException("unknown frame type " + frame.type());
            };
            if (in.hasRemaining()) {
                throw new ProtocolException(in.remaining() + " unexpected bytes after a frame of type " + frame.type());
            }
            return message;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("frame of type " + frame.type() + " is too short");
        } catch (CorruptEntryException e) {
            throw new ProtocolException("bad log entry: " + e.getMessage());
        }
    }

    private static int port(int value) {
        if (value < 0 || value > 65535) {
            throw new ProtocolException("port " + value);
        }
        return value;
    }

    private static long nonNegative(long value, String what) {
        if (value < 0) {
            throw new ProtocolException(what + " is negative: " + value);
        }
        return value;
    }

    private static byte[] bytes(ByteBuffer in, int length) {
        if (length > in.remaining()) {
            throw new ProtocolException("need " + length + " bytes, frame has " + in.remaining());
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    private static String getString(ByteBuffer in) {
        int length = in.getShort() & 0xffff;
        if (length > MAX_STRING_BYTES) {
            throw new ProtocolException("string of " + length + " bytes exceeds " + MAX_STRING_BYTES);
        }
        return new String(bytes(in, length), StandardCharsets.UTF_8);
    }

    private static void putString(ByteBuffer out, String value) {
        byte[] bytes = utf8(value);
        out.putShort((short) bytes.length);
        out.put(bytes);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] truncate(byte[] bytes) {
        return bytes.length <= MAX_STRING_BYTES ? bytes : java.util.Arrays.copyOf(bytes, MAX_STRING_BYTES);
    }
}
