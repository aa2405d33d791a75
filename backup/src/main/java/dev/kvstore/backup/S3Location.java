package dev.kvstore.backup;

/**
 * Where in S3-compatible object storage backups are kept, and how to get there.
 *
 * @param bucket      the bucket
 * @param prefix      the folder inside it ("" for the top), without slashes at either end
 * @param endpoint    the storage's URL (MinIO, Ceph, ...); null: AWS's own for the region
 * @param region      null: us-east-1
 * @param credentials null: the SDK's usual places (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, ...)
 * @param caPem       PEM certificates to trust for an https endpoint signed by a CA of one's own; null: the JDK's
 */
public record S3Location(String bucket, String prefix, String endpoint, String region, Credentials credentials,
                         String caPem) {

    public record Credentials(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Credentials[" + accessKeyId + ", secret hidden]";
        }
    }

    public S3Location {
        if (bucket == null || bucket.isEmpty()) {
            throw new IllegalArgumentException("an S3 location names its bucket: s3://bucket/prefix");
        }
        prefix = prefix == null ? "" : prefix.replaceAll("^/+", "").replaceAll("/+$", "");
    }
}
