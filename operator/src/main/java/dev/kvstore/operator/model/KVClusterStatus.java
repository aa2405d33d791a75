package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did: at a glance (printer columns), per instance, and as conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KVClusterStatus {

    private Integer readyReplicas;

    private String primary;

    private Long epoch;

    private String phase;

    private Long observedGeneration;
    private List<Instance> instances = new ArrayList<>();
    private List<Condition> conditions = new ArrayList<>();
    private List<FailoverRecord> lastFailovers = new ArrayList<>();
    /** The time of spec.backup.schedule the last scheduled backup was made for, or when the schedule was first seen. */
    private String lastScheduledBackup;

    /** What spec.bootstrap.fromBackup restored, or is restoring: the backup as its manifest says. */
    private Restore restore;

    /**
     * When each certificate in force expires, by the Secret it is in (the CA's, the stores', the user's for the
     * client ports if named), as CloudNativePG's status.certificates says; empty while TLS is off. A list, not a
     * map: a status write replaces a list whole, so an entry no longer in force goes.
     */
    private List<CertificateExpiry> certificates = new ArrayList<>();

    public List<CertificateExpiry> getCertificates() {
        return certificates;
    }

    public void setCertificates(List<CertificateExpiry> certificates) {
        this.certificates = certificates;
    }

    /** One certificate: the Secret it is in and when it expires (ISO-8601). */
    public static class CertificateExpiry {
        private String secret;
        private String notAfter;

        public CertificateExpiry() {
        }

        public CertificateExpiry(String secret, String notAfter) {
            this.secret = secret;
            this.notAfter = notAfter;
        }

        public String getSecret() {
            return secret;
        }

        public void setSecret(String secret) {
            this.secret = secret;
        }

        public String getNotAfter() {
            return notAfter;
        }

        public void setNotAfter(String notAfter) {
            this.notAfter = notAfter;
        }
    }

    public Restore getRestore() {
        return restore;
    }

    public void setRestore(Restore restore) {
        this.restore = restore;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Restore {
        public static final String RESTORING = "Restoring";
        public static final String RESTORED = "Restored";

        /** Restoring until the first primary takes writes; then Restored. */
        private String phase;
        private String backupName;
        private Long epoch;
        private Long offset;
        private Long keys;
        private Long bytes;
        private String sha256;
        /** A restore to a point in time: the point, and the archived log after the backup up to it (one object). */
        private String target;
        private String logObject;
        private Long logBytes;
        private String logSha256;
        private Integer logSegments;

        public String getTarget() {
            return target;
        }

        public void setTarget(String target) {
            this.target = target;
        }

        public String getLogObject() {
            return logObject;
        }

        public void setLogObject(String logObject) {
            this.logObject = logObject;
        }

        public Long getLogBytes() {
            return logBytes;
        }

        public void setLogBytes(Long logBytes) {
            this.logBytes = logBytes;
        }

        public String getLogSha256() {
            return logSha256;
        }

        public void setLogSha256(String logSha256) {
            this.logSha256 = logSha256;
        }

        public Integer getLogSegments() {
            return logSegments;
        }

        public void setLogSegments(Integer logSegments) {
            this.logSegments = logSegments;
        }

        public String getPhase() {
            return phase;
        }

        public void setPhase(String phase) {
            this.phase = phase;
        }

        public String getBackupName() {
            return backupName;
        }

        public void setBackupName(String backupName) {
            this.backupName = backupName;
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

    /** The spec.backup.schedule that lastScheduledBackup is of: a changed schedule starts anew. */
    private String backupSchedule;

    public String getBackupSchedule() {
        return backupSchedule;
    }

    public void setBackupSchedule(String backupSchedule) {
        this.backupSchedule = backupSchedule;
    }

    public String getLastScheduledBackup() {
        return lastScheduledBackup;
    }

    public void setLastScheduledBackup(String lastScheduledBackup) {
        this.lastScheduledBackup = lastScheduledBackup;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public String getPrimary() {
        return primary;
    }

    public void setPrimary(String primary) {
        this.primary = primary;
    }

    public Long getEpoch() {
        return epoch;
    }

    public void setEpoch(Long epoch) {
        this.epoch = epoch;
    }

    public String getPhase() {
        return phase;
    }

    public void setPhase(String phase) {
        this.phase = phase;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Instance> getInstances() {
        return instances;
    }

    public void setInstances(List<Instance> instances) {
        this.instances = instances;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public List<FailoverRecord> getLastFailovers() {
        return lastFailovers;
    }

    public void setLastFailovers(List<FailoverRecord> lastFailovers) {
        this.lastFailovers = lastFailovers;
    }

    /** One store pod as last seen. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Instance {
        private String name;
        private String role;
        private Long epoch;
        private Long offset;
        private Long lag;
        private Boolean ready;
        @JsonPropertyDescription("Fenced for maintenance (annotation kvstore.dev/fenced-pods): follows no one, serves no "
                + "client, is never promoted, keeps its data as it was")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        private Boolean fenced;

        public Instance() {
        }

        public Instance(String name, String role, Long epoch, Long offset, Long lag, Boolean ready) {
            this.name = name;
            this.role = role;
            this.epoch = epoch;
            this.offset = offset;
            this.lag = lag;
            this.ready = ready;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public String getRole() {
            return role;
        }

        public void setRole(String role) {
            this.role = role;
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

        public Long getLag() {
            return lag;
        }

        public void setLag(Long lag) {
            this.lag = lag;
        }

        public Boolean getReady() {
            return ready;
        }

        public Boolean getFenced() {
            return fenced;
        }

        public void setFenced(Boolean fenced) {
            this.fenced = fenced;
        }

        public void setReady(Boolean ready) {
            this.ready = ready;
        }
    }

    /** One failover, for `kubectl describe` and the record. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class FailoverRecord {
        private String time;
        private String from;
        private String to;
        private String reason;
        private Long epoch;
        private Long durationMillis;
        private Boolean possiblyLossy;

        public FailoverRecord() {
        }

        public FailoverRecord(String time, String from, String to, String reason, Long epoch, Long durationMillis,
                              Boolean possiblyLossy) {
            this.time = time;
            this.from = from;
            this.to = to;
            this.reason = reason;
            this.epoch = epoch;
            this.durationMillis = durationMillis;
            this.possiblyLossy = possiblyLossy;
        }

        public String getTime() {
            return time;
        }

        public void setTime(String time) {
            this.time = time;
        }

        public String getFrom() {
            return from;
        }

        public void setFrom(String from) {
            this.from = from;
        }

        public String getTo() {
            return to;
        }

        public void setTo(String to) {
            this.to = to;
        }

        public String getReason() {
            return reason;
        }

        public void setReason(String reason) {
            this.reason = reason;
        }

        public Long getEpoch() {
            return epoch;
        }

        public void setEpoch(Long epoch) {
            this.epoch = epoch;
        }

        public Long getDurationMillis() {
            return durationMillis;
        }

        public void setDurationMillis(Long durationMillis) {
            this.durationMillis = durationMillis;
        }

        public Boolean getPossiblyLossy() {
            return possiblyLossy;
        }

        public void setPossiblyLossy(Boolean possiblyLossy) {
            this.possiblyLossy = possiblyLossy;
        }
    }
}
