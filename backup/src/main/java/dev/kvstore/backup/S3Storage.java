package dev.kvstore.backup;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Backups in a bucket of S3-compatible object storage, through the AWS SDK for Java v2 with path-style
 * addresses (what MinIO, Ceph, versitygw and moto serve as well as AWS). A stream of unknown length goes up
 * as a multipart upload of 8 MiB parts, completed only once the stream ended whole; any failure aborts it,
 * so no object of that name appears.
 */
final class S3Storage implements BackupStorage {

    /** S3's smallest part but the last is 5 MiB. */
    static final int PART_BYTES = 8 << 20;

    private final String bucket;
    private final String prefix;
    private final S3Client s3;
    private final S3Location location;

    S3Storage(S3Location location) {
        this.location = location;
        this.bucket = location.bucket();
        this.prefix = location.prefix().isEmpty() ? "" : location.prefix() + "/";
        var http = UrlConnectionHttpClient.builder();
        if (location.caPem() != null) {
            TrustManager[] trust = trusting(location.caPem());
            http.tlsTrustManagersProvider(() -> trust);
        }
        var builder = S3Client.builder().httpClient(http.build())
                .region(region(location))
                .forcePathStyle(true)
                // checksums only where S3 demands them: the SDK's default (since 2.30) sends headers that older
                // MinIO and Ceph releases refuse; the backup carries its own CRC32C and SHA-256 anyway
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (location.endpoint() != null) {
            builder.endpointOverride(URI.create(location.endpoint()));
        }
        if (location.credentials() != null) {
            builder.credentialsProvider(credentials(location));
        }
        this.s3 = builder.build();
    }

    private static Region region(S3Location location) {
        return Region.of(location.region() == null ? "us-east-1" : location.region());
    }

    private static StaticCredentialsProvider credentials(S3Location location) {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(location.credentials().accessKeyId(),
                location.credentials().secretAccessKey()));
    }

    /** Trust managers that trust the PEM certificates given, and nothing else. */
    private static TrustManager[] trusting(String caPem) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate ca : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new java.io.ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            if (i == 0) {
                throw new IllegalArgumentException("the CA given for the object storage holds no PEM certificate");
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("the CA given for the object storage cannot be read: " + e.getMessage(), e);
        }
    }

    private String key(String name) {
        return prefix + name;
    }

    @Override
    public long write(String name, InputStream content) throws IOException {
        String key = key(name);
        String upload;
        try {
            upload = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        } catch (SdkException e) {
            throw new IOException("cannot start the upload of " + describe(name) + ": " + e.getMessage(), e);
        }
        List<CompletedPart> parts = new ArrayList<>();
        long bytes = 0;
        // stopped (Ctrl-C, SIGTERM) halfway: abort, so that no upload is left open holding its parts' storage
        Thread abortAtExit = new Thread(() -> abort(key, upload, null));
        boolean completed = false;
        try {
            Runtime.getRuntime().addShutdownHook(abortAtExit); // throws when the JVM is exiting: then aborted below
            byte[] part = new byte[PART_BYTES];
            while (true) {
                int filled = content.readNBytes(part, 0, PART_BYTES);
                if (filled == 0 && !parts.isEmpty()) {
                    break;
                }
                int number = parts.size() + 1;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(upload).partNumber(number),
                        RequestBody.fromBytes(java.util.Arrays.copyOf(part, filled))).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                bytes += filled;
                if (filled < PART_BYTES) {
                    break;
                }
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload)
                    .multipartUpload(m -> m.parts(parts)));
            completed = true;
            return bytes;
        } catch (SdkException e) {
            throw new IOException("the upload of " + describe(name) + " failed: " + e.getMessage(), e);
        } finally {
            // every way out but completion aborts: an IOException, a RuntimeException, an Error (out of memory)
            if (!completed) {
                abort(key, upload, describe(name));
            }
            try {
                Runtime.getRuntime().removeShutdownHook(abortAtExit);
            } catch (IllegalStateException | IllegalArgumentException exitingOrNeverAdded) {
                // the JVM is shutting down and the hook runs or ran: it aborts (again, harmlessly)
            }
        }
    }

    private void abort(String key, String upload, String described) {
        try {
            // bounded: Ctrl-C against storage that does not answer must not hang the exit
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload)
                    .overrideConfiguration(c -> c.apiCallTimeout(java.time.Duration.ofSeconds(10))));
        } catch (RuntimeException abortFailed) {
            // the storage's own expiry of incomplete uploads (a lifecycle rule) is left to clean it up
            System.err.println("could not abort the upload of " + (described != null ? described : key) + " ("
                    + upload + "): " + abortFailed.getMessage());
        }
    }

    @Override
    public void writeSmall(String name, byte[] content) throws IOException {
        try {
            s3.putObject(b -> b.bucket(bucket).key(key(name)), RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new IOException("cannot write " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] readSmall(String name) throws IOException {
        try {
            ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(name)));
            return object.asByteArray();
        } catch (SdkException e) {
            throw new IOException("cannot read " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key(name)));
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw new IOException("cannot read " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void download(String name, Path to) throws IOException {
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key(name)))) {
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (SdkException e) {
            throw new IOException("cannot download " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String name) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key(name)));
        } catch (SdkException e) {
            throw new IOException("cannot delete " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String suffix) throws IOException {
        try {
            List<String> names = new ArrayList<>();
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
                String name = object.key().substring(prefix.length());
                if (name.endsWith(suffix) && !name.contains("/")) {
                    names.add(name);
                }
            }
            return names.stream().sorted().toList();
        } catch (SdkException e) {
            throw new IOException("cannot list " + describe("") + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> removeAbandoned(java.time.Instant before) throws IOException {
        List<String> removed = new ArrayList<>();
        try {
            for (var upload : s3.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(prefix)).uploads()) {
                String name = upload.key().substring(prefix.length());
                if (!abandonedHere(name, upload.initiated(), before)) {
                    continue;
                }
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
                removed.add("the upload of " + describe(name) + " begun " + upload.initiated());
            }
            return removed;
        } catch (SdkException e) {
            throw new IOException("cannot list or abort the unfinished uploads in " + describe("") + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether an unfinished upload of {@code name} (its key below this location's prefix), begun at
     * {@code initiated}, counts as abandoned: begun before the cutoff, and one of this project's objects in this
     * location ({@link BackupStorage#ownName}: not another program's, not one of a location below it).
     */
    static boolean abandonedHere(String name, java.time.Instant initiated, java.time.Instant before) {
        return BackupStorage.ownName(name) && initiated != null && initiated.isBefore(before);
    }

    @Override
    public URI presignedGet(String name, java.time.Duration validFor) throws IOException {
        // signed as the client would send it: the same region, address style, endpoint and key
        var builder = S3Presigner.builder().region(region(location))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        if (location.endpoint() != null) {
            builder.endpointOverride(URI.create(location.endpoint()));
        }
        if (location.credentials() != null) {
            builder.credentialsProvider(credentials(location));
        }
        try (S3Presigner presigner = builder.build()) {
            return presigner.presignGetObject(b -> b.signatureDuration(validFor)
                    .getObjectRequest(g -> g.bucket(bucket).key(key(name)))).url().toURI();
        } catch (SdkException | java.net.URISyntaxException e) {
            throw new IOException("cannot make an address for " + describe(name) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String describe(String name) {
        return "s3://" + bucket + "/" + key(name);
    }
}
