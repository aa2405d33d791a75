package dev.kvstore.store.resp;

/** Input that is not RESP: answered with {@code -ERR Protocol error: ...}, then that connection closes. */
public final class RespProtocolException extends Exception {

    public RespProtocolException(String reason) {
        super("Protocol error: " + reason);
    }
}
