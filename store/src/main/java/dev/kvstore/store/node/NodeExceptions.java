package dev.kvstore.store.node;

/** Why a store refused a request; the HTTP layer maps each to a status code. */
public final class NodeExceptions {

    private NodeExceptions() {
    }

    /** A write reached a store that is not the primary. */
    public static final class NotPrimary extends RuntimeException {
        private final String primaryHttp;

        public NotPrimary(String message, String primaryHttp) {
            super(message);
            this.primaryHttp = primaryHttp;
        }

        public String primaryHttp() {
            return primaryHttp;
        }
    }

    /** A primary that learned of a newer epoch: it takes no writes and cannot vouch for reads. */
    public static final class Fenced extends RuntimeException {
        public Fenced(String message) {
            super(message);
        }
    }

    /** The store cannot answer right now (term not confirmed, no lease); retrying may succeed. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** The store's log can no longer make anything durable (a write or fsync failed); it must be replaced. */
    public static final class NotDurable extends RuntimeException {
        public NotDurable(String cause) {
            super("this store cannot make writes durable: " + cause + "; its supervisor fails it over");
        }
    }

    /** A write that would take the data past its memory budget ({@code kv.max-memory}); nothing was stored. */
    public static final class MemoryFull extends RuntimeException {
        public MemoryFull(String message) {
            super(message);
        }
    }

    /** A write that needs disk while the data volume is below its reserve ({@code kv.min-free-disk}); nothing was stored. */
    public static final class DiskFull extends RuntimeException {
        public DiskFull(String message) {
            super(message);
        }
    }

    /** A multi-key write larger than {@code kv.max-entry-bytes}; nothing was applied. */
    public static final class EntryTooLarge extends IllegalArgumentException {
        public EntryTooLarge(String message) {
            super(message);
        }
    }

    /** A write that needs a log format this store is configured not to write ({@code kv.log-format}). */
    public static final class FormatOff extends IllegalArgumentException {
        public FormatOff(String message) {
            super(message);
        }
    }

    /** Fewer connected, caught-up secondaries than {@code minSyncReplicas}: refused before the log. */
    public static final class NoReplicas extends RuntimeException {
        public NoReplicas(String message) {
            super(message);
        }
    }

    /** An admin call this store cannot take in its role or state (fencing a primary, promoting a fenced store). */
    public static final class WrongRole extends RuntimeException {
        public WrongRole(String message) {
            super(message);
        }
    }

    /** An admin call asked for an epoch older than the one this store has seen. */
    public static final class StaleEpoch extends RuntimeException {
        public StaleEpoch(String message) {
            super(message);
        }
    }
}
