package dev.kvstore.core.admin;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What a store reports about itself on {@code GET /v1/status} and the admin status call.
 *
 * @param epoch         the highest epoch this store has seen (persisted)
 * @param lastEpoch     epoch of the last entry in its log
 * @param lastOffset    offset of the last entry in its log
 * @param commitOffset  highest offset known to be acknowledged cluster-wide
 * @param lag           secondary: entries the primary has that this store lacks, as last heard
 * @param primary       the primary it follows (host:replicationPort), or itself when primary
 * @param primaryHttp   the HTTP address of that primary, for redirects
 * @param following     secondary: streaming from the current primary right now
 * @param fenced        a primary that learned of a newer epoch and stopped taking writes
 * @param quarantined   entries moved aside after a divergent suffix was found on rejoin
 * @param diskFailure   why this store can no longer make writes durable (its log's write or fsync
 *                      failed), or null: such a store is neither a healthy primary nor a candidate
 * @param memoryUsedBytes  estimated heap bytes of its data
 * @param memoryLimitBytes its data's memory budget; writes that would pass it are refused
 * @param diskFreeBytes    usable bytes left on its data volume, as last measured
 * @param diskReserveBytes the free space below which it refuses writes that need disk
 * @param secretFingerprints fingerprints of the cluster secrets it holds, the one it signs with first
 *                      ({@link ClusterSecrets#fingerprints()}); null from a release before rotation
 * @param maintenanceFenced fenced for maintenance by the user ({@code kubectl kv fence}): it follows no one,
 *                      serves no client, is never promoted and keeps its data as it was, restarts included;
 *                      false from a release before maintenance fencing
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeStatus(String nodeId, String role, long epoch, long lastEpoch, long lastOffset,
                         long commitOffset, long appliedOffset, long lag, String primary, String primaryHttp,
                         boolean following, boolean fenced, long quarantined, int connectedSecondaries,
                         String mode, int minSyncReplicas, String diskFailure, long memoryUsedBytes,
                         long memoryLimitBytes, long diskFreeBytes, long diskReserveBytes,
                         java.util.List<String> secretFingerprints, boolean maintenanceFenced) {

    /** The same status with the fingerprints of the secrets the store holds now. */
    public NodeStatus withSecretFingerprints(java.util.List<String> fingerprints) {
        return new NodeStatus(nodeId, role, epoch, lastEpoch, lastOffset, commitOffset, appliedOffset, lag, primary,
                primaryHttp, following, fenced, quarantined, connectedSecondaries, mode, minSyncReplicas, diskFailure,
                memoryUsedBytes, memoryLimitBytes, diskFreeBytes, diskReserveBytes, fingerprints, maintenanceFenced);
    }

    /** Within this share of the budget (1/100), the memory counts as full: the next ordinary write is refused. */
    private static final int FULL_MARGIN_DIVISOR = 100;

    /** Whether this store can still make writes durable; one that cannot must not serve as primary. */
    public boolean canPersist() {
        return diskFailure == null;
    }

    /**
     * Why this store refuses writes for lack of room, or null: its memory budget is (nearly) reached,
     * or its volume has less free space than it keeps in reserve. Writes that shrink the data still pass.
     */
    public String writesRefusedReason() {
        if (diskReserveBytes > 0 && diskFreeBytes < diskReserveBytes) {
            return "disk nearly full: " + diskFreeBytes + " bytes free, " + diskReserveBytes + " kept in reserve";
        }
        if (memoryLimitBytes > 0 && memoryUsedBytes >= memoryLimitBytes - memoryLimitBytes / FULL_MARGIN_DIVISOR) {
            return "memory budget reached: " + memoryUsedBytes + " of " + memoryLimitBytes + " bytes used";
        }
        return null;
    }
}
