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
    public static class FromBackup {
        @JsonPropertyDescription("Where the backup is: the shape of spec.backup.s3, with path required.")
        @Required
        private BackupConfig.S3 s3;

        @JsonPropertyDescription("The backup's name (a KVBackup's status.backupName, or kv backups' BACKUP column). "
                + "Unset: the newest complete backup there.")
        @Pattern("^kv-[A-Za-z0-9-]{1,100}$")
        private String backupName;

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
