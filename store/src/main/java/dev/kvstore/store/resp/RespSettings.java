package dev.kvstore.store.resp;

/**
 * The RESP port's own settings.
 *
 * @param host       where it listens
 * @param port       {@code kv.resp-port} (6379; 0 picks a free one)
 * @param maxClients connections held at once; the next is told {@code max number of clients reached}
 * @param maxCommandBytes the bulk bytes one command may carry ({@code kv.max-entry-bytes})
 * @param eventLoops how many event loops serve the connections ({@code kv.resp-event-loops}; 0: one per core)
 */
public record RespSettings(String host, int port, int maxClients, long maxCommandBytes, int eventLoops) {

    public RespSettings {
        if (eventLoops <= 0) {
            eventLoops = Runtime.getRuntime().availableProcessors();
        }
    }
}
