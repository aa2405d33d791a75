package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** How a new cluster starts: empty (the default), or from a backup ({@code spec.bootstrap}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Bootstrap {

    @JsonPropertyDescription("Start from a backup in S3-compatible object storage (a KVBackup's or kv backup's): "
            + "every store of the new cluster starts from it, then the first primary takes writes in an epoch after "
            + "the backup's.")
    private FromBackup fromBackup;

    public FromBackup getFromBackup() {
        return fromBackup;
    }

    public void setFromBackup(FromBackup fromBackup) {
        this.fromBackup = fromBackup;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "has(self.s3.path)", message = "spec.bootstrap.fromBackup.s3.path is required: where the "
            + "backups are, for example <namespace>/<cluster> for those of a KVCluster whose spec.backup.s3 has no path")
    @ValidationRule(value = "!(has(self.targetTime) && has(self.targetPosition))", message = "spec.bootstrap.fromBackup: "
            + "targetTime or targetPosition, not both")
    public static class FromBackup {
        @JsonPropertyDescription("Where the backup is: the shape of spec.backup.s3, with path required.")
        @Required
        private BackupConfig.S3 s3;

        @JsonPropertyDescription("The backup's name (a KVBackup's status.backupName, or kv backups' BACKUP column). "
                + "Unset: the newest complete backup there.")
        @Pattern("^kv-[A-Za-z0-9-]{1,100}$")
        private String backupName;

        @JsonPropertyDescription("Restore to this time (RFC 3339 in UTC, milliseconds at most, for example 2026-12-07T01:02:03.456Z): every "
                + "write the primary made up to that millisecond of its clock, none after, from the newest backup "
                + "finished before it (or backupName) and the log the source cluster archived after it "
                + "(spec.backup.archiveEverySeconds). Unset: the backup's own point.")
        @Pattern("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z$")
        private String targetTime;

        @JsonPropertyDescription("Restore to this log position, <epoch>:<offset> (a write's position, as a KVBackup's "
                + "status or kv status shows them): every entry up to it, none after.")
        @Pattern("^[0-9]{1,18}:[1-9][0-9]{0,17}$")
        private String targetPosition;

        public String getTargetTime() {
            return targetTime;
        }

        public void setTargetTime(String targetTime) {
            this.targetTime = targetTime;
        }

        public String getTargetPosition() {
            return targetPosition;
        }

        public void setTargetPosition(String targetPosition) {
            this.targetPosition = targetPosition;
        }

        /** The restore point asked for, or null for the backup's own. */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public String target() {
            return targetTime != null ? targetTime : targetPosition;
        }

        public BackupConfig.S3 getS3() {
            return s3;
        }

        public void setS3(BackupConfig.S3 s3) {
            this.s3 = s3;
        }

        public String getBackupName() {
            return backupName;
        }

        public void setBackupName(String backupName) {
            this.backupName = backupName;
        }
    }
}
