package dev.kvstore.store.repl;

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
    private byte type;
    private boolean typeRead;
    private byte[] payload;
    private int payloadFilled;

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
                    // the type byte is kept apart: the payload is copied once, straight into its own array
                    payload = new byte[frameLength - 1];
                    payloadFilled = 0;
                    typeRead = false;
                    state = State.BODY;
                }
            } else {
                if (!typeRead) {
                    type = bytes[i++];
                    typeRead = true;
                }
                int take = Math.min(payload.length - payloadFilled, end - i);
                System.arraycopy(bytes, i, payload, payloadFilled, take);
                payloadFilled += take;
                i += take;
                if (payloadFilled == payload.length) {
                    frames.add(new Frame(type, payload));
                    payload = null;
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
        return startFrame(type, payload.length).put(payload).array();
    }

    /**
     * A frame of {@code payloadBytes} whose length and type are written, positioned at its payload: an encoder
     * that knows the size writes the payload in place (the frame's array is then the frame, not a copy).
     */
    public static java.nio.ByteBuffer startFrame(byte type, int payloadBytes) {
        java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(5 + payloadBytes);
        frame.putInt(payloadBytes + 1);
        frame.put(type);
        return frame;
    }
}
