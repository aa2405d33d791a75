package dev.kvstore.store.resp;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of the RESP port, for INFO and the metrics. */
public final class RespStats {

    final AtomicInteger connected = new AtomicInteger();
    final AtomicLong connectionsReceived = new AtomicLong();
    final AtomicLong connectionsRejected = new AtomicLong();
    final AtomicLong commands = new AtomicLong();
    final AtomicLong socketWrites = new AtomicLong();
    final AtomicLong protocolErrors = new AtomicLong();
    final long startedAtMillis = System.currentTimeMillis();

    public int connected() {
        return connected.get();
    }

    public long connectionsReceived() {
        return connectionsReceived.get();
    }

    public long connectionsRejected() {
        return connectionsRejected.get();
    }

    public long commands() {
        return commands.get();
    }

    /** Writes to client sockets: each carries every reply that was ready (commands / writes = replies per write). */
    public long socketWrites() {
        return socketWrites.get();
    }

    public long protocolErrors() {
        return protocolErrors.get();
    }
}
