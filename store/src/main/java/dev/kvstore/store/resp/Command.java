package dev.kvstore.store.resp;

import java.util.Set;

/**
 * A command the store knows.
 *
 * @param name    lower case, as COMMAND lists it
 * @param arity   Redis's convention: the exact argument count with the name, or its negative for "at least"
 * @param flags   as COMMAND reports them ("write", "readonly", "fast", ...)
 * @param keys    first key, last key (-1: the last argument) and step, as COMMAND reports them; 0 when none
 * @param handler what it does
 */
record Command(String name, int arity, Set<String> flags, int firstKey, int lastKey, int keyStep,
               CommandHandler handler) {

    /** Goes to the log: its reply waits for the commit. */
    boolean writes() {
        return flags.contains("write");
    }

    /**
     * Reads the data (or waits on this connection's writes, as WAIT does): it must not run before this
     * connection's earlier writes are acknowledged, or a pipeline's GET would not see its own SET.
     */
    boolean readsData() {
        return flags.contains("readonly") || flags.contains(READS_OWN_WRITES);
    }

    /** An internal flag, not shown by COMMAND: the command reads what this connection wrote before it. */
    static final String READS_OWN_WRITES = "kv:reads-own-writes";

    /** Runs before the connection authenticates (HELLO, AUTH, QUIT, RESET), as Redis's flag of that name. */
    static final String NO_AUTH = "no-auth";

    boolean arityMatches(int argCount) {
        return arity >= 0 ? argCount == arity : argCount >= -arity;
    }
}
