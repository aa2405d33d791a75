package dev.kvstore.store.net;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;

/**
 * The bytes of a buffer a socket received, as a range of an array, for decoders that copy what they
 * keep: {@link Buffer#getBytes()} copied every read into a new array first (about 5% of what the
 * primary allocated under pipelined writes, and as much again on each secondary).
 */
public record ReceivedBytes(byte[] array, int offset, int length) {

    public static ReceivedBytes of(Buffer data) {
        ByteBuf buf = data.getByteBuf();
        if (buf.hasArray()) {
            return new ReceivedBytes(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
        }
        byte[] copy = io.netty.buffer.ByteBufUtil.getBytes(buf); // a direct buffer: no array to share
        return new ReceivedBytes(copy, 0, copy.length);
    }
}
