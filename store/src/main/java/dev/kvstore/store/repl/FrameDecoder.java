package dev.kvstore.store.repl;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into frames. An explicit two-state machine (length, then body) that takes
 * bytes in any fragmentation, refuses a length outside [1, maxFrameBytes] before allocating, and
 * after an error stays failed: the connection is to be closed, since framing is lost.
 */
public final class FrameDecoder {

    private enum State { LENGTH, BODY, FAILED }

    private final int maxFrameBytes;
    private State state = State.LENGTH;
    private final byte[] lengthBytes = new byte[4];
    private int lengthFilled;
    private byte[] body;
    private int bodyFilled;

    public FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Feeds bytes and returns the frames they complete, in order. */
    public List<Frame> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    public List<Frame> feed(byte[] bytes, int from, int length) {
        if (state == State.FAILED) {
            throw new ProtocolException("decoder already failed; the connection must be closed");
        }
        List<Frame> frames = new ArrayList<>();
        int i = from;
        int end = from + length;
        while (i < end) {
            if (state == State.LENGTH) {
                int take = Math.min(4 - lengthFilled, end - i);
                System.arraycopy(bytes, i, lengthBytes, lengthFilled, take);
                lengthFilled += take;
                i += take;
                if (lengthFilled == 4) {
                    int frameLength = ((lengthBytes[0] & 0xff) << 24) | ((lengthBytes[1] & 0xff) << 16)
                            | ((lengthBytes[2] & 0xff) << 8) | (lengthBytes[3] & 0xff);
                    if (frameLength < 1 || frameLength > maxFrameBytes) {
                        state = State.FAILED;
                        throw new ProtocolException("frame length " + Integer.toUnsignedString(frameLength)
                                + " outside [1, " + maxFrameBytes + "]");
                    }
                    body = new byte[frameLength];
                    bodyFilled = 0;
                    state = State.BODY;
                }
            } else {
                int take = Math.min(body.length - bodyFilled, end - i);
                System.arraycopy(bytes, i, body, bodyFilled, take);
                bodyFilled += take;
                i += take;
                if (bodyFilled == body.length) {
                    byte[] payload = new byte[body.length - 1];
                    System.arraycopy(body, 1, payload, 0, payload.length);
                    frames.add(new Frame(body[0], payload));
                    body = null;
                    lengthFilled = 0;
                    state = State.LENGTH;
                }
            }
        }
        return frames;
    }

    /** True when no partial frame is buffered. */
    public boolean isIdle() {
        return state == State.LENGTH && lengthFilled == 0;
    }

    public static byte[] encode(byte type, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(5 + payload.length);
        int length = payload.length + 1;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.write(type);
        out.write(payload, 0, payload.length);
        return out.toByteArray();
    }
}
