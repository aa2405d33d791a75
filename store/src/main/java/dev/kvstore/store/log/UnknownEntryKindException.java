package dev.kvstore.store.log;

/**
 * A whole entry, its checksum right, of a kind this release does not know: written by a newer
 * release. Not a torn tail to cut: the entry may be a committed write.
 */
public final class UnknownEntryKindException extends CorruptEntryException {

    public UnknownEntryKindException(byte code) {
        this("log entry of kind " + code);
    }

    /** @param what the unknown thing, as "log entry of kind 7" or "batch mutation of kind 3" */
    public UnknownEntryKindException(String what) {
        super(what + ", which this release cannot read: it was written by a newer release (log format above "
                + LogFormat.CURRENT + ")");
    }
}
