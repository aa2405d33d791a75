package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** Where a cluster's backups go ({@code spec.backup}), and when the operator takes them on its own. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupConfig {

    @JsonPropertyDescription("The S3-compatible object storage the backups go to (AWS S3, MinIO, Ceph, ...).")
    @Required
    private S3 s3;

    @JsonPropertyDescription("When the operator takes a backup on its own, as a cron expression in UTC: five fields "
            + "(minute hour day-of-month month day-of-week, as a Kubernetes CronJob) or six with seconds first (as "
            + "CloudNativePG's ScheduledBackup), or @hourly, @daily, @weekly, @monthly. Each makes a KVBackup "
            + "<cluster>-<yyyyMMddHHmmss>. Missed times (the operator down) make one backup, not one each. Unset: none.")
    @Size(max = 128)
    private String schedule;

    @JsonPropertyDescription("How many complete backups of the schedule to keep: older ones are deleted from the "
            + "object storage with their KVBackup (failed ones too once older than the oldest kept). KVBackups made by "
            + "hand are never deleted.")
    @Min(1)
    @Max(1000)
    @Default("7")
    private Integer keepLast = 7;

    @JsonPropertyDescription("How often the operator archives the primary's committed log into the same storage "
            + "(beside the backups), in seconds: a write is archived within about this long, and a restore to a point "
            + "in time (spec.bootstrap.fromBackup.targetTime) can reach any point the archive does. 0: no archive "
            + "(restores to a backup's own point only). Metric kv_operator_log_archived_through_timestamp_seconds.")
    @Min(0)
    @Max(3600)
    @Default("10")
    private Integer archiveEverySeconds = 10;

    public Integer getArchiveEverySeconds() {
        return archiveEverySeconds;
    }

    public void setArchiveEverySeconds(Integer archiveEverySeconds) {
        this.archiveEverySeconds = archiveEverySeconds;
    }

    public S3 getS3() {
        return s3;
    }

    public void setS3(S3 s3) {
        this.s3 = s3;
    }

    public String getSchedule() {
        return schedule;
    }

    public void setSchedule(String schedule) {
        this.schedule = schedule;
    }

    public Integer getKeepLast() {
        return keepLast;
    }

    public void setKeepLast(Integer keepLast) {
        this.keepLast = keepLast;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class S3 {
        @JsonPropertyDescription("The bucket.")
        @Required
        @Pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
        private String bucket;

        @JsonPropertyDescription("The folder inside the bucket. Unset: <namespace>/<cluster>, so that clusters "
                + "sharing a bucket never mix their backups.")
        @Pattern("^[A-Za-z0-9!_.*'()/-]*$")
        @Size(max = 512)
        private String path;

        @JsonPropertyDescription("The storage's URL (http or https), for anything but AWS. Unset: AWS S3 of the region.")
        @Pattern("^https?://[^\\s]+$")
        private String endpoint;

        @JsonPropertyDescription("The region. Unset: us-east-1.")
        @Pattern("^[a-z0-9-]+$")
        private String region;

        @JsonPropertyDescription("A Secret in the cluster's namespace with the keys accessKeyId and secretAccessKey.")
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        private String credentialsSecret;

        @JsonPropertyDescription("To trust an https endpoint signed by a CA of your own: a "
                + "Secret in the cluster's namespace whose key ca.crt holds the CA's PEM certificate. Unset: the "
                + "JDK's trusted CAs.")
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        private String caSecret;

        public String getBucket() {
            return bucket;
        }

        public void setBucket(String bucket) {
            this.bucket = bucket;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }

        public String getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public String getCredentialsSecret() {
            return credentialsSecret;
        }

        public void setCredentialsSecret(String credentialsSecret) {
            this.credentialsSecret = credentialsSecret;
        }

        public String getCaSecret() {
            return caSecret;
        }

        public void setCaSecret(String caSecret) {
            this.caSecret = caSecret;
        }
    }
}
