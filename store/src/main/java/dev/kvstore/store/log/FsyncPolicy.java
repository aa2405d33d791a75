package dev.kvstore.store.log;

/**
 * When the log is forced to disk. ALWAYS: a write is acknowledged only after fdatasync (group
 * commit: one fsync covers every write that arrived meanwhile). EVERY_SECOND: acknowledged once in
 * the page cache, forced once a second, as Redis' appendfsync everysec; a machine crash can lose the
 * last second of a node (a process crash loses nothing).
 */
public enum FsyncPolicy {
    ALWAYS, EVERY_SECOND;

    public static FsyncPolicy parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "everysec", "every-second", "every_second" -> EVERY_SECOND;
            default -> throw new IllegalArgumentException("fsync policy must be always or everysec, got " + text);
        };
    }
}
