package dev.kvstore.operator.reconcile;

import dev.kvstore.backup.S3Location;
import dev.kvstore.operator.model.BackupConfig;
import dev.kvstore.operator.model.KVCluster;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Where a cluster's backups go, from its {@code spec.backup.s3} and the Secrets it names. */
final class BackupTargets {

    static final String ACCESS_KEY_ID = "accessKeyId";
    static final String SECRET_ACCESS_KEY = "secretAccessKey";
    static final String CA_KEY = "ca.crt";

    private final KubernetesClient client;

    BackupTargets(KubernetesClient client) {
        this.client = client;
    }

    /** @throws IllegalStateException with what is missing, for the KVBackup's status */
    S3Location of(KVCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        BackupConfig backup = cluster.getSpec().getBackup();
        if (backup == null || backup.getS3() == null) {
            throw new IllegalStateException("KVCluster " + cluster.getMetadata().getName() + " has no spec.backup.s3: "
                    + "say there where its backups go (bucket, credentialsSecret, and endpoint for anything but AWS)");
        }
        return of(namespace, backup.getS3(), namespace + "/" + cluster.getMetadata().getName(), "spec.backup.s3");
    }

    /**
     * @param defaultPath the folder when {@code s3} names none
     * @param field       where {@code s3} is in the spec, for messages
     */
    S3Location of(String namespace, BackupConfig.S3 s3, String defaultPath, String field) {
        Secret credentials = client.secrets().inNamespace(namespace).withName(s3.getCredentialsSecret()).get();
        String accessKeyId = value(credentials, ACCESS_KEY_ID);
        String secretAccessKey = value(credentials, SECRET_ACCESS_KEY);
        if (accessKeyId == null || secretAccessKey == null) {
            throw new IllegalStateException("Secret " + s3.getCredentialsSecret() + " (" + field + ".credentialsSecret) "
                    + (credentials == null ? "does not exist" : "lacks the key " + (accessKeyId == null ? ACCESS_KEY_ID
                    : SECRET_ACCESS_KEY)) + " in namespace " + namespace + "; it needs " + ACCESS_KEY_ID + " and "
                    + SECRET_ACCESS_KEY);
        }
        String caPem = null;
        if (s3.getCaSecret() != null) {
            Secret ca = client.secrets().inNamespace(namespace).withName(s3.getCaSecret()).get();
            caPem = value(ca, CA_KEY);
            if (caPem == null) {
                throw new IllegalStateException("Secret " + s3.getCaSecret() + " (" + field + ".caSecret) "
                        + (ca == null ? "does not exist" : "lacks the key " + CA_KEY) + " in namespace " + namespace);
            }
        }
        String path = s3.getPath() != null ? s3.getPath() : defaultPath;
        return new S3Location(s3.getBucket(), path, s3.getEndpoint(), s3.getRegion(),
                new S3Location.Credentials(accessKeyId, secretAccessKey), caPem);
    }

    private static String value(Secret secret, String key) {
        if (secret == null || secret.getData() == null || secret.getData().get(key) == null) {
            return null;
        }
        // trimmed: a value made with kubectl create secret --from-file often ends with a newline
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8).trim();
    }
}
