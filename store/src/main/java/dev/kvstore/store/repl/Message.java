package dev.kvstore.store.repl;

import dev.kvstore.store.log.EpochHistory;
import dev.kvstore.store.log.LogEntry;
import java.util.List;

/** The messages of the replication protocol; {@link MessageCodec} turns them into frames and back. */
public sealed interface Message {

    /** Primary to secondary, first: a fresh nonce to sign, and the cluster it belongs to. */
    record Challenge(byte[] nonce, String clusterId) implements Message {
    }

    /**
     * Secondary to primary: proof that it knows the secret (HMAC over both nonces, never the secret
     * itself), its own nonce for the primary to sign back, where its log stands, and the newest log
     * format it reads ({@link dev.kvstore.store.log.LogFormat}; releases before formats were
     * negotiated send none, which means the basic one).
     */
    record Hello(String nodeId, String clusterId, byte[] nonce, byte[] proof, long epoch, long lastOffset,
                 EpochHistory history, int logFormat, int respPort) implements Message {

        /** Without a Redis-protocol port to tell (format 1 sends none). */
        public Hello(String nodeId, String clusterId, byte[] nonce, byte[] proof, long epoch, long lastOffset,
                     EpochHistory history, int logFormat) {
            this(nodeId, clusterId, nonce, proof, epoch, lastOffset, history, logFormat, 0);
        }
    }

    /**
     * Primary to secondary: the primary's own proof, its epoch, and where the secondary must cut its
     * log before appending (equal to the secondary's last offset when nothing diverged); to a secondary
     * of format 2 or later also the primary's Redis-protocol port (0: not sent).
     */
    record Welcome(byte[] proof, long epoch, long keepUpTo, long commitOffset, long primaryLastOffset, int respPort)
            implements Message {

        /** Without the primary's Redis-protocol port: what a secondary of format 1 reads. */
        public Welcome(byte[] proof, long epoch, long keepUpTo, long commitOffset, long primaryLastOffset) {
            this(proof, epoch, keepUpTo, commitOffset, primaryLastOffset, 0);
        }
    }

    /** Either side: the handshake or stream is refused; the connection closes after it. */
    record Refused(String reason) implements Message {
    }

    /** Primary to secondary: consecutive entries and how far the cluster has committed. */
    record Entries(long epoch, long commitOffset, long primaryLastOffset, long sentNanos, List<LogEntry> entries)
            implements Message {
    }

    /** Primary to secondary when idle, so the secondary knows the primary lives and the commit point. */
    record Heartbeat(long epoch, long commitOffset, long primaryLastOffset, long sentNanos) implements Message {
    }

    /**
     * Secondary to primary: everything up to {@code durableOffset} is on its disk. {@code echoNanos}
     * returns the send time of the newest primary message seen, which renews the primary's read lease.
     */
    record Ack(long epoch, long durableOffset, long echoNanos) implements Message {
    }

    /** Primary to secondary: the secondary is too far behind the log; a snapshot ending at this offset follows. */
    record SnapshotBegin(long lastIncludedOffset, long totalBytes) implements Message {
    }

    /** Primary to secondary: the next bytes of the snapshot file. */
    record SnapshotChunk(byte[] data) implements Message {
    }

    /** Primary to secondary: the snapshot is complete; entries after it follow. */
    record SnapshotEnd() implements Message {
    }
}
