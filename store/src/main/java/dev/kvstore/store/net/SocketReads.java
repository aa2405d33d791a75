package dev.kvstore.store.net;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;

/**
 * A socket's received bytes handed to a decoder straight from the buffer Netty read them into. Vert.x's own data
 * handler first copies every read into a new heap buffer and its wrappers ({@code VertxHandler.safeBuffer}): about
 * a tenth of what the primary allocated under pipelined {@code SET}s, garbage that only made young collections
 * come sooner. Here each read is copied in slices into one array per event-loop thread and handed over at once;
 * the decoders ({@code RespRequestDecoder}, {@code FrameDecoder}) copy what they keep before they return, so
 * the array is free again for the next read on that thread.
 *
 * <p>Flow control is the channel's own: {@link #pause} stops reading from the socket (what Vert.x's
 * {@code pause()} did once its inbound queue filled). A read already under way may still deliver a few buffers
 * after it; receivers keep what they decode in queues of their own anyway.
 */
public final class SocketReads {

    /** What receives each slice of the bytes read, on the socket's event loop. */
    @FunctionalInterface
    public interface Receiver {
        void received(byte[] array, int offset, int length);
    }

    private static final int SCRATCH_BYTES = 64 * 1024; // Netty's largest read by default
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCRATCH_BYTES];
        }
    };

    private final NetSocketInternal socket;

    private SocketReads(NetSocketInternal socket) {
        this.socket = socket;
    }

    /** Delivers what {@code socket} receives to {@code receiver} from now on, in place of a data handler. */
    public static SocketReads deliver(NetSocket socket, Receiver receiver) {
        if (!(socket instanceof NetSocketInternal internal)) {
            throw new IllegalStateException("not a Vert.x TCP socket: " + socket.getClass().getName());
        }
        internal.messageHandler(message -> handOver(message, receiver));
        return new SocketReads(internal);
    }

    /** Hands {@code message} to {@code receiver} and releases it (package-private for tests). */
    static void handOver(Object message, Receiver receiver) {
        if (!(message instanceof ByteBuf buffer)) {
            ReferenceCountUtil.release(message); // nothing but bytes comes up a plain TCP or TLS pipeline
            return;
        }
        try {
            if (buffer.hasArray()) {
                receiver.received(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), buffer.readableBytes());
                return;
            }
            byte[] scratch = SCRATCH.get();
            while (buffer.isReadable()) {
                int slice = Math.min(buffer.readableBytes(), scratch.length);
                buffer.readBytes(scratch, 0, slice);
                receiver.received(scratch, 0, slice);
            }
        } finally {
            buffer.release();
        }
    }

    /** Stops reading from the socket until {@link #resume}. */
    public void pause() {
        socket.channelHandlerContext().channel().config().setAutoRead(false);
    }

    public void resume() {
        socket.channelHandlerContext().channel().config().setAutoRead(true);
    }
}
