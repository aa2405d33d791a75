package dev.kvstore.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/** What the user asks for. Every field has a default: a KVCluster with only a name is valid. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.replication) || !has(self.replication.minSyncReplicas) "
        + "|| self.replication.minSyncReplicas < self.replicas",
        message = "spec.replication.minSyncReplicas must be below spec.replicas: a write waits for that many "
                + "secondaries, and there are replicas - 1 of them")
@ValidationRule(value = "!has(self.replication) || !has(self.replication.mode) || self.replication.mode == 'sync' "
        + "|| !has(self.replication.minSyncReplicas) || self.replication.minSyncReplicas <= 1",
        message = "spec.replication.minSyncReplicas above 1 only means something in sync mode; set mode: sync or lower it")
@ValidationRule(value = "has(self.bootstrap) == has(oldSelf.bootstrap) "
        + "&& (!has(self.bootstrap) || self.bootstrap == oldSelf.bootstrap)",
        message = "spec.bootstrap is set when a cluster is made and never changed: a backup is restored into a new "
                + "KVCluster (another name, with spec.bootstrap.fromBackup), never in place, which would drop the writes "
                + "made since the backup")
// the size as the API server defaults it (1Gi) where the spec leaves it out, so that adding storage: later cannot shrink
@ValidationRule(value = "quantity(has(self.storage) && has(self.storage.size) ? self.storage.size : '1Gi')"
        + ".compareTo(quantity(has(oldSelf.storage) && has(oldSelf.storage.size) ? oldSelf.storage.size : '1Gi')) >= 0",
        message = "spec.storage.size cannot shrink: a volume never gets smaller (make a new cluster of the size wanted, "
                + "for example restored from a backup of this one)")
@ValidationRule(value = "(has(self.storage) && has(self.storage.storageClassName) ? self.storage.storageClassName : '') "
        + "== (has(oldSelf.storage) && has(oldSelf.storage.storageClassName) ? oldSelf.storage.storageClassName : '')",
        message = "spec.storage.storageClassName cannot change: the volumes keep the class they were made in (make a new "
                + "cluster in the class wanted, for example restored from a backup of this one)")
public class KVClusterSpec {

    @JsonPropertyDescription("Number of store pods: one primary, the rest secondaries.")
    @Min(1)
    @Max(9)
    @Default("3")
    private Integer replicas = 3;

    @JsonPropertyDescription("Store container image.")
    @Pattern("^[^\\s]+$")
    @Default("kvstore/store:0.1.0")
    private String image = "kvstore/store:0.1.0";

    @JsonPropertyDescription("Always, IfNotPresent or Never.")
    @Pattern("^(Always|IfNotPresent|Never)$")
    @Default("IfNotPresent")
    private String imagePullPolicy = "IfNotPresent";

    @JsonPropertyDescription("Newest log format the stores write. Unset: the newest this release knows (2: MSET, "
            + "multi-key DEL and MULTI/EXEC are one log entry). 1 keeps the data readable by releases before 0.2, so "
            + "that rolling back to one stays possible; multi-key writes are refused meanwhile. Set it to 1 before "
            + "updating from such a release, and unset it once the update is to stay.")
    @Min(1)
    @Max(2)
    private Integer logFormat;

    private Storage storage = new Storage();
    private ResourceRequirements resources;
    private Replication replication = new Replication();
    private Failover failover = new Failover();
    /** Null when the spec says nothing: see {@code ClientAuth} for what that means. */
    private Auth auth;

    /** Null when the spec says nothing: see {@code NetworkAccess} for what that means. */
    private NetworkPolicy networkPolicy;

    /** Null when the spec says nothing: see {@code TransportSecurity} for what that means. */
    private Tls tls;

    @JsonPropertyDescription("How a new cluster starts: empty, or from a backup. Set when the cluster is made, never "
            + "changed.")
    private Bootstrap bootstrap;

    @JsonPropertyDescription("Backups into S3-compatible object storage: where they go (for every KVBackup of this "
            + "cluster) and, optionally, a schedule with retention.")
    private BackupConfig backup;

    @JsonPropertyDescription("Request a planned switchover: the named pod becomes primary without losing a write.")
    private Switchover switchover;

    @JsonPropertyDescription("Scheduling constraints of the store pods. A podAntiAffinity written here replaces the one "
            + "podAntiAffinity adds.")
    private Affinity affinity;

    @JsonPropertyDescription("Keep the stores on distinct nodes (by kubernetes.io/hostname): preferred (the default: "
            + "spread when the nodes allow it), required (a pod waits rather than share a node; needs a node per "
            + "store) or none. A podAntiAffinity in spec.affinity takes its place.")
    @Pattern("^(preferred|required|none)$")
    @Default("preferred")
    private String podAntiAffinity = "preferred";

    private List<Toleration> tolerations;

    @JsonPropertyDescription("Use this existing Secret (key 'secret') instead of generating <name>-auth.")
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    private String secretName;

    public Integer getLogFormat() {
        return logFormat;
    }

    public void setLogFormat(Integer logFormat) {
        this.logFormat = logFormat;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public String getImagePullPolicy() {
        return imagePullPolicy;
    }

    public void setImagePullPolicy(String imagePullPolicy) {
        this.imagePullPolicy = imagePullPolicy;
    }

    public Storage getStorage() {
        return storage;
    }

    public void setStorage(Storage storage) {
        this.storage = storage;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public Replication getReplication() {
        return replication;
    }

    public void setReplication(Replication replication) {
        this.replication = replication;
    }

    public Failover getFailover() {
        return failover;
    }

    public Auth getAuth() {
        return auth;
    }

    public void setAuth(Auth auth) {
        this.auth = auth;
    }

    public void setFailover(Failover failover) {
        this.failover = failover;
    }

    public Bootstrap getBootstrap() {
        return bootstrap;
    }

    public void setBootstrap(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    public BackupConfig getBackup() {
        return backup;
    }

    public void setBackup(BackupConfig backup) {
        this.backup = backup;
    }

    public Tls getTls() {
        return tls;
    }

    public void setTls(Tls tls) {
        this.tls = tls;
    }

    public NetworkPolicy getNetworkPolicy() {
        return networkPolicy;
    }

    public void setNetworkPolicy(NetworkPolicy networkPolicy) {
        this.networkPolicy = networkPolicy;
    }

    public Switchover getSwitchover() {
        return switchover;
    }

    public void setSwitchover(Switchover switchover) {
        this.switchover = switchover;
    }

    public String getPodAntiAffinity() {
        return podAntiAffinity;
    }

    public void setPodAntiAffinity(String podAntiAffinity) {
        this.podAntiAffinity = podAntiAffinity;
    }

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public String getSecretName() {
        return secretName;
    }

    public void setSecretName(String secretName) {
        this.secretName = secretName;
    }

    /** Volume per pod. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Storage {
        @JsonPropertyDescription("Size of each pod's volume, a Kubernetes quantity such as 1Gi. A larger size grows the "
                + "volume claims in place where their StorageClass allows expansion (condition VolumesSized says how far); "
                + "it never shrinks.")
        @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")
        @Size(max = 32)
        @Default("1Gi")
        private String size = "1Gi";

        @JsonPropertyDescription("StorageClass of the volumes; the cluster default when absent. Set when the cluster "
                + "is made; it cannot change.")
        private String storageClassName;

        public String getSize() {
            return size;
        }

        public void setSize(String size) {
            this.size = size;
        }

        public String getStorageClassName() {
            return storageClassName;
        }

        public void setStorageClassName(String storageClassName) {
            this.storageClassName = storageClassName;
        }
    }

    /** How writes are acknowledged. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Replication {
        @JsonPropertyDescription("sync: acknowledged once on minSyncReplicas secondaries too (no loss on failover); "
                + "async: once on the primary.")
        @Pattern("^(sync|async)$")
        @Default("sync")
        private String mode = "sync";

        @JsonPropertyDescription("Secondaries that must store a write before it is acknowledged (sync mode).")
        @Min(0)
        @Max(8)
        @Default("1")
        private Integer minSyncReplicas = 1;

        public String getMode() {
            return mode;
        }

        public void setMode(String mode) {
            this.mode = mode;
        }

        public Integer getMinSyncReplicas() {
            return minSyncReplicas;
        }

        public void setMinSyncReplicas(Integer minSyncReplicas) {
            this.minSyncReplicas = minSyncReplicas;
        }
    }

    /** Client authentication on the stores' HTTP and Redis-protocol ports. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Auth {
        @JsonPropertyDescription("Clients authenticate (Redis AUTH / HELLO AUTH, HTTP Basic). Turning it off leaves "
                + "the client ports open to anyone who can reach the pods.")
        @Default("true")
        private Boolean enabled = true;

        @JsonPropertyDescription("An existing Secret with one key per user, its value the password, instead of "
                + "<name>-users, which the operator generates (user 'default', a random password) when absent.")
        @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
        private String usersSecret;

        @JsonPropertyDescription("Users of the Secret that may only read: their writes are refused (NOPERM, HTTP 403).")
        private List<String> readonlyUsers;

        public Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        public String getUsersSecret() {
            return usersSecret;
        }

        public void setUsersSecret(String usersSecret) {
            this.usersSecret = usersSecret;
        }

        public List<String> getReadonlyUsers() {
            return readonlyUsers;
        }

        public void setReadonlyUsers(List<String> readonlyUsers) {
            this.readonlyUsers = readonlyUsers;
        }
    }

    /**
     * Who may reach the stores' ports: the NetworkPolicy {@code <name>-network-policy} the operator keeps.
     * It takes effect where the cluster's network plugin enforces policies (Calico, Cilium, kube-router).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NetworkPolicy {
        private static final String NAMESPACE_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

        @JsonPropertyDescription("Keep the NetworkPolicy: replication and admin ports only from the cluster's own "
                + "pods and the operator, client ports (HTTP, Redis) from clientPods and clientNamespaces, metrics "
                + "from monitoringNamespaces. false removes it: every port open to every pod. Unset: on, except for "
                + "a cluster made before the operator kept policies (turn it on with true once clients are labelled).")
        private Boolean enabled;

        @JsonPropertyDescription("Pods of the cluster's namespace that may use the client ports. Default: those "
                + "labelled kvstore.dev/client-of=<cluster name>.")
        private LabelSelector clientPods;

        @JsonPropertyDescription("Namespaces whose every pod may use the client ports.")
        private List<@Pattern(NAMESPACE_NAME) @Size(max = 63) String> clientNamespaces;

        @JsonPropertyDescription("Namespaces whose pods may scrape the stores' metrics (port 9000, named "
                + "management), e.g. where Prometheus runs.")
        private List<@Pattern(NAMESPACE_NAME) @Size(max = 63) String> monitoringNamespaces;

        public Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        public LabelSelector getClientPods() {
            return clientPods;
        }

        public void setClientPods(LabelSelector clientPods) {
            this.clientPods = clientPods;
        }

        public List<String> getClientNamespaces() {
            return clientNamespaces;
        }

        public void setClientNamespaces(List<String> clientNamespaces) {
            this.clientNamespaces = clientNamespaces;
        }

        public List<String> getMonitoringNamespaces() {
            return monitoringNamespaces;
        }

        public void setMonitoringNamespaces(List<String> monitoringNamespaces) {
            this.monitoringNamespaces = monitoringNamespaces;
        }
    }

    /**
     * TLS 1.3 on the stores' Redis-protocol, replication (mutual) and admin ports, with a CA the operator
     * makes per cluster ({@code <name>-ca}; its certificate for clients in the ConfigMap {@code <name>-ca-cert}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "!has(self.renewBeforeDays) || !has(self.certificateValidityDays) "
            + "|| self.renewBeforeDays < self.certificateValidityDays",
            message = "tls.renewBeforeDays (default 7) must be less than tls.certificateValidityDays (default 90)")
    public static class Tls {
        @JsonPropertyDescription("TLS on the stores' ports. Unset: on, except for a cluster whose stores ran without "
                + "it before the operator had it. Turning it on or off restarts all the stores at once (a store with "
                + "TLS cannot follow one without): writes pause until they are back. Off for an image of a release "
                + "without TLS.")
        private Boolean enabled;

        @JsonPropertyDescription("TLS on the HTTP port (8080) and the metrics port (9000) too, with TLS enabled. "
                + "Unset: on, except for a cluster "
                + "whose stores ran TLS with that port in clear before the operator had it. Changing it restarts the "
                + "stores one by one. False for an image of a release without TLS on that port (a rollback).")
        private Boolean http;

        @JsonPropertyDescription("A Secret of type kubernetes.io/tls in the cluster's namespace (tls.crt, tls.key, "
                + "optionally ca.crt: what cert-manager's Certificate writes) whose certificate the Redis-protocol and "
                + "HTTP ports show instead of the operator's, for clients that trust your CA. Replication, admin and "
                + "metrics keep the operator's CA. Renewed in place, it is served within a minute, without a restart; "
                + "its ca.crt joins ConfigMap <name>-ca-cert. Until it exists and holds a valid pair, the StatefulSet "
                + "is left as it is (condition TLS says why). Setting, changing or removing it restarts the stores one by one.")
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @Size(max = 253)
        private String serverSecret;

        @JsonPropertyDescription("Days a store certificate the operator issues is valid.")
        @Min(2)
        @Max(3650)
        @Default("90")
        private Integer certificateValidityDays = 90;

        @JsonPropertyDescription("Days before its expiry that the operator renews a store certificate; the stores "
                + "take the renewed one within seconds, without a restart.")
        @Min(1)
        @Max(3649)
        @Default("7")
        private Integer renewBeforeDays = 7;

        @JsonPropertyDescription("While the cluster's CA is replaced (annotation kvstore.dev/rotate-ca, or by itself "
                + "renewBeforeDays before its expiry): seconds at least between publishing the new CA beside the old "
                + "in ConfigMap <name>-ca-cert and the first certificate of the new CA, so that clients that mount or "
                + "read that ConfigMap trust it first (a kubelet updates a mounted ConfigMap within its sync period "
                + "plus its cache's TTL: about two minutes at most by default).")
        @Min(0)
        @Max(604800)
        @Default("180")
        private Integer caRotationGraceSeconds = 180;

        public Integer getCaRotationGraceSeconds() {
            return caRotationGraceSeconds;
        }

        public void setCaRotationGraceSeconds(Integer caRotationGraceSeconds) {
            this.caRotationGraceSeconds = caRotationGraceSeconds;
        }

        public Boolean getHttp() {
            return http;
        }

        public String getServerSecret() {
            return serverSecret;
        }

        public void setServerSecret(String serverSecret) {
            this.serverSecret = serverSecret;
        }

        public void setHttp(Boolean http) {
            this.http = http;
        }

        public Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        public Integer getCertificateValidityDays() {
            return certificateValidityDays;
        }

        public void setCertificateValidityDays(Integer certificateValidityDays) {
            this.certificateValidityDays = certificateValidityDays;
        }

        public Integer getRenewBeforeDays() {
            return renewBeforeDays;
        }

        public void setRenewBeforeDays(Integer renewBeforeDays) {
            this.renewBeforeDays = renewBeforeDays;
        }
    }

    /** When the primary counts as lost. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Failover {
        @JsonPropertyDescription("Fail over when the primary pod is not ready or not answering for this long (ms). "
                + "A deleted primary pod is failed over at once.")
        @Min(200)
        @Max(600000)
        @Default("2000")
        private Integer delayMillis = 2000;

        @JsonPropertyDescription("Promote even when not enough secondaries answer to be sure no acknowledged write "
                + "is lost. Recorded as possibly lossy. Use only when the cluster is Degraded and you accept it.")
        @Default("false")
        private Boolean forcePromotion = false;

        public Integer getDelayMillis() {
            return delayMillis;
        }

        public void setDelayMillis(Integer delayMillis) {
            this.delayMillis = delayMillis;
        }

        public Boolean getForcePromotion() {
            return forcePromotion;
        }

        public void setForcePromotion(Boolean forcePromotion) {
            this.forcePromotion = forcePromotion;
        }
    }

    /** A planned change of primary. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Switchover {
        @JsonPropertyDescription("Pod to become primary, e.g. mycluster-1.")
        @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?-[0-9]+$")
        private String targetPod;

        public String getTargetPod() {
            return targetPod;
        }

        public void setTargetPod(String targetPod) {
            this.targetPod = targetPod;
        }
    }
}
