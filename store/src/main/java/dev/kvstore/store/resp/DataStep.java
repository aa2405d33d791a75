package dev.kvstore.store.resp;

import java.util.List;

/**
 * A data command as a pure step over the keys ({@link WriteCollector}): what MULTI/EXEC runs for each
 * queued command, and what a multi-key command (MSET, DEL) runs as one decision on the primary.
 */
@FunctionalInterface
interface DataStep {

    /** @throws Args.Invalid for a bad argument: that command's reply is the error, nothing of it is written */
    CommandHandler.Reply run(WriteCollector keys, List<byte[]> args);
}
