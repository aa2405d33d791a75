package dev.kvstore.operator.resources;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.List;

/**
 * What a restored cluster's pods have ({@code spec.bootstrap.fromBackup}): an init container that fetches the
 * backup's snapshot into the data volume with curl, from an address of limited life in Secret
 * {@code <name>-restore} (no storage credentials in the pods), and checks its SHA-256 against the manifest's; and
 * the store's {@code kv.restore-from} pointing at it, which seeds an empty data directory from it once. Once the
 * restored cluster has its first primary the operator replaces the address with the mark {@code restored}: a store
 * made later (a scale-up, a volume made anew) fetches nothing and joins from the primary by snapshot
 * ({@code kv.restore-if-present}). Without the mark and without an address the init container fails: a store
 * never starts empty by mistake.
 */
public final class RestoreFromBackup {

    static final String VOLUME = "restore";
    static final String SECRET_MOUNT = "/etc/kvstore/restore";
    static final String FILE_DIR = ClusterResources.DATA_MOUNT + "/restore";
    /** The Secret's keys: the address, the SHA-256 the manifest gives, and optionally the storage's CA. */
    public static final String URL_KEY = "url";
    public static final String SHA256_KEY = "sha256";
    public static final String CA_KEY = "ca.crt";
    /** Which backup the address is for. */
    public static final String BACKUP_KEY = "backup";
    /** When the address stops working. */
    public static final String EXPIRES_KEY = "expires";
    /** A fingerprint of where the address points and with which key: a rotated key or a new CA makes it anew. */
    public static final String SOURCE_KEY = "source";
    /** "true" once the cluster is restored: the only thing that lets a store start without fetching the backup. */
    public static final String RESTORED_KEY = "restored";
    /** The init container's settings: where the Secret's files are, and where the snapshot goes. */
    public static final String SECRET_DIR_ENV = "KV_RESTORE_SECRET_DIR";
    public static final String FILE_ENV = "KV_RESTORE_FILE";
    /** Where the archived log after the backup goes, for a restore to a point in time (unset: none). */
    public static final String LOG_FILE_ENV = "KV_RESTORE_LOG_FILE";
    /** The Secret's keys for the archived log: its address and SHA-256. */
    public static final String LOG_URL_KEY = "log-url";
    public static final String LOG_SHA256_KEY = "log-sha256";

    /**
     * POSIX sh, curl and coreutils (in the store image). Fetches into a part file, forces it, checks it, then
     * renames it: a store never sees a partial or damaged snapshot under the name it restores from.
     */
    public static final String SCRIPT = """
            set -eu
            dir="${KV_RESTORE_SECRET_DIR}"
            file="${KV_RESTORE_FILE}"
            log="${KV_RESTORE_LOG_FILE:-}"
            if [ "$(cat "$dir/restored" 2>/dev/null)" = "true" ]; then
              echo "restore: nothing to fetch (the cluster has been restored; this store joins from the primary)"
              exit 0
            fi
            if [ ! -s "$dir/url" ]; then
              echo "restore: no address to fetch the backup from in $dir (the operator writes it); nothing restored" >&2
              exit 1
            fi
            # fetch <address file> <SHA-256 file> <target> <what>
            fetch() {
              address_file="$1"
              target="$3"
              what="$4"
              expected=$(cat "$2")
              if [ -s "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$expected" ]; then
                echo "restore: $target fetched before"
                return 0
              fi
              mkdir -p "$(dirname "$target")"
              set -- -fsS --retry "${KV_RESTORE_RETRIES:-5}" --retry-all-errors --connect-timeout 10 --speed-limit 1024 --speed-time 60 -o "$target.part"
              if [ -s "$dir/ca.crt" ]; then set -- "$@" --cacert "$dir/ca.crt"; fi
              curl "$@" "$(cat "$address_file")"
              actual=$(sha256sum "$target.part" | cut -d' ' -f1)
              if [ "$actual" != "$expected" ]; then
                rm -f "$target.part"
                echo "restore: the $what fetched has SHA-256 $actual, not the $expected the operator recorded: damaged, nothing restored" >&2
                exit 1
              fi
              sync "$target.part"
              mv "$target.part" "$target"
              sync "$(dirname "$target")"
              echo "restore: fetched $(wc -c < "$target") bytes into $target"
            }
            # the archived log first: a snapshot in place means everything it needs is there too
            if [ -n "$log" ]; then
              if [ ! -s "$dir/log-url" ]; then
                echo "restore: no address to fetch the archived log from in $dir (a restore to a point in time); nothing restored" >&2
                exit 1
              fi
              fetch "$dir/log-url" "$dir/log-sha256" "$log" "archived log"
            fi
            fetch "$dir/url" "$dir/sha256" "$file" "snapshot"
            """;


    private RestoreFromBackup() {
    }

    /** The backup a running StatefulSet's stores restore from (its store container's KV_RESTORE_FROM), or null. */
    public static String backupInTemplate(io.fabric8.kubernetes.api.model.apps.StatefulSet running) {
        return running.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(container -> container.getEnv().stream())
                .filter(env -> "KV_RESTORE_FROM".equals(env.getName()) && env.getValue() != null
                        && env.getValue().startsWith(FILE_DIR + "/") && env.getValue().endsWith(".snapshot"))
                .map(env -> env.getValue().substring(FILE_DIR.length() + 1, env.getValue().length() - ".snapshot".length()))
                .findFirst().orElse(null);
    }

    /** Where the pods keep the snapshot of {@code backupName}. */
    public static String fileOf(String backupName) {
        return FILE_DIR + "/" + backupName + ".snapshot";
    }

    /** The point a running StatefulSet's stores replay the archived log to (its KV_RESTORE_TO), or null. */
    public static String targetInTemplate(io.fabric8.kubernetes.api.model.apps.StatefulSet running) {
        return running.getSpec().getTemplate().getSpec().getContainers().stream()
                .flatMap(container -> container.getEnv().stream())
                .filter(env -> "KV_RESTORE_TO".equals(env.getName()) && env.getValue() != null)
                .map(EnvVar::getValue).findFirst().orElse(null);
    }

    /** Where the pods keep the archived log replayed after {@code backupName}. */
    public static String logFileOf(String backupName) {
        return FILE_DIR + "/" + backupName + ".kvlog";
    }

    /**
     * @param target the restore point when the archived log after the backup is replayed up to it, else null
     */
    static Container initContainer(String image, String pullPolicy, String backupName, String target, Container store) {
        List<EnvVar> env = new java.util.ArrayList<>(List.of(env(SECRET_DIR_ENV, SECRET_MOUNT), env(FILE_ENV, fileOf(backupName))));
        if (target != null) {
            env.add(env(LOG_FILE_ENV, logFileOf(backupName)));
        }
        return new ContainerBuilder().withName("restore").withImage(image).withImagePullPolicy(pullPolicy)
                .withCommand("sh", "-c", SCRIPT)
                .withEnv(env)
                .addNewVolumeMount().withName(ClusterResources.DATA_VOLUME).withMountPath(ClusterResources.DATA_MOUNT)
                .endVolumeMount()
                .addNewVolumeMount().withName(VOLUME).withMountPath(SECRET_MOUNT).withReadOnly(true).endVolumeMount()
                .withSecurityContext(store.getSecurityContext())
                .build();
    }

    /**
     * The store's side: restore from the file when there is one, as restore {@code restoreId} (the cluster's uid:
     * a volume a deleted cluster of the same name left, restored from the same backup, is refused, not gone on from).
     */
    static List<EnvVar> storeEnv(String backupName, String target, String restoreId) {
        List<EnvVar> env = new java.util.ArrayList<>(List.of(env("KV_RESTORE_FROM", fileOf(backupName)),
                env("KV_RESTORE_IF_PRESENT", "true"), env("KV_RESTORE_ID", restoreId)));
        if (target != null) {
            env.add(env("KV_RESTORE_LOG", logFileOf(backupName)));
            env.add(env("KV_RESTORE_TO", target));
        }
        return env;
    }

    /** Not optional: a store waits for it rather than start without its backup. */
    static Volume volume(String clusterName) {
        return new VolumeBuilder().withName(VOLUME).withNewSecret().withSecretName(KvNames.restoreSecret(clusterName))
                .withDefaultMode(0440).endSecret().build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
