package dev.kvstore.store.node;

import java.util.concurrent.ThreadFactory;

/** Background threads of a store never keep the process alive: shutdown is the store's own job. */
final class DaemonThreads {

    private DaemonThreads() {
    }

    static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
