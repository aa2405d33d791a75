package dev.kvstore.store.log;

import java.io.IOException;

/** An append to a log that can no longer make anything durable (its fsync or write failed). */
public final class LogFailedException extends RuntimeException {

    public LogFailedException(IOException cause) {
        super("this store cannot make writes durable: " + cause.getMessage(), cause);
    }
}
