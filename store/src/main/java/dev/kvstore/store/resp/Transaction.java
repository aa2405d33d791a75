package dev.kvstore.store.resp;

import java.util.ArrayList;
import java.util.List;

/** The commands a connection queued after MULTI, and whether one of them was refused (EXEC then aborts). */
final class Transaction {

    /** A queued command: what it runs, with what, and whether it may write. */
    record Queued(DataStep step, List<byte[]> args, boolean writes) {
    }

    private final List<Queued> queued = new ArrayList<>();
    private boolean failed;

    void add(Queued command) {
        queued.add(command);
    }

    List<Queued> queued() {
        return queued;
    }

    void fail() {
        failed = true;
    }

    boolean failed() {
        return failed;
    }

    boolean writes() {
        return queued.stream().anyMatch(Queued::writes);
    }
}
