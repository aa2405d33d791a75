package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the backup holds and where, once taken; or why it was not. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KVBackupStatus {

    public static final String RUNNING = "Running";
    public static final String COMPLETED = "Completed";
    public static final String FAILED = "Failed";

    /** Running, Completed or Failed; unset until the operator takes it up. */
    private String phase;
    private String message;
    private String startedAt;
    private String completedAt;
    /** The backup's name in the object storage: {@code kv local --restore-from} and restores take it. */
    private String backupName;
    /** Its manifest's address, {@code s3://bucket/path/<backupName>.json}. */
    private String manifest;
    private String store;
    private Long epoch;
    private Long offset;
    private Long keys;
    private Long bytes;
    private String sha256;

    public static KVBackupStatus failed(String message, String startedAt) {
        KVBackupStatus status = new KVBackupStatus();
        status.phase = FAILED;
        status.message = message;
        status.startedAt = startedAt;
        status.completedAt = java.time.Instant.now().toString();
        return status;
    }

    public boolean finished() {
        return COMPLETED.equals(phase) || FAILED.equals(phase);
    }

    public String getPhase() {
        return phase;
    }

    public void setPhase(String phase) {
        this.phase = phase;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getStartedAt() {
        return startedAt;
    }

    public void setStartedAt(String startedAt) {
        this.startedAt = startedAt;
    }

    public String getCompletedAt() {
        return completedAt;
    }

    public void setCompletedAt(String completedAt) {
        this.completedAt = completedAt;
    }

    public String getBackupName() {
        return backupName;
    }

    public void setBackupName(String backupName) {
        this.backupName = backupName;
    }

    public String getManifest() {
        return manifest;
    }

    public void setManifest(String manifest) {
        this.manifest = manifest;
    }

    public String getStore() {
        return store;
    }

    public void setStore(String store) {
        this.store = store;
    }

    public Long getEpoch() {
        return epoch;
    }

    public void setEpoch(Long epoch) {
        this.epoch = epoch;
    }

    public Long getOffset() {
        return offset;
    }

    public void setOffset(Long offset) {
        this.offset = offset;
    }

    public Long getKeys() {
        return keys;
    }

    public void setKeys(Long keys) {
        this.keys = keys;
    }

    public Long getBytes() {
        return bytes;
    }

    public void setBytes(Long bytes) {
        this.bytes = bytes;
    }

    public String getSha256() {
        return sha256;
    }

    public void setSha256(String sha256) {
        this.sha256 = sha256;
    }
}
