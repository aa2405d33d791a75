package dev.kvstore.store.resp;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs one command. */
@FunctionalInterface
interface CommandHandler {

    /**
     * Writes the reply to {@code out} and answers null, or answers a reply that comes later (a write
     * waiting for its commit). {@code args.get(0)} is the command's name as the client sent it.
     */
    CompletableFuture<Reply> run(RespSession session, List<byte[]> args, RespWriter out);

    /** A reply rendered when it is ready, in the protocol the connection speaks then. */
    @FunctionalInterface
    interface Reply {
        void writeTo(RespWriter out);
    }
}
