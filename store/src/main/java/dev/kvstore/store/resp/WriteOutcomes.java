package dev.kvstore.store.resp;

/** Where the outcome of every client write is counted, whichever protocol brought it. */
public interface WriteOutcomes {

    void acknowledged();

    /** Refused before it entered the log: nothing was stored. */
    void refused();

    /** In the log, but not acknowledged (timed out, or its term ended): it may or may not survive. */
    void failed();

    WriteOutcomes NONE = new WriteOutcomes() {
        public void acknowledged() { }

        public void refused() { }

        public void failed() { }
    };
}
