package dev.kvstore.operator.resources;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What each Kubernetes object of a cluster should look like, as plain functions of the KVCluster:
 * no client, no I/O, so every field is unit-tested.
 */
public final class ClusterResources {

    static final String DATA_VOLUME = "data";
    static final String SECRET_MOUNT = "/etc/kvstore/secret";
    static final String USERS_MOUNT = "/etc/kvstore/users";
    static final String TLS_MOUNT = "/etc/kvstore/tls";
    static final String TLS_VOLUME = "tls";
    static final String CLIENT_TLS_MOUNT = "/etc/kvstore/client-tls";
    public static final String CLIENT_TLS_VOLUME = "client-tls";
    static final String USERS_VOLUME = "users";
    static final String DATA_MOUNT = "/data";

    private ClusterResources() {
    }

    static ObjectMeta metadata(KVCluster cluster, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(cluster.getMetadata().getNamespace())
                .withLabels(KvNames.labels(cluster.getMetadata().getName()))
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(cluster.getApiVersion())
                        .withKind(cluster.getKind())
                        .withName(cluster.getMetadata().getName())
                        .withUid(cluster.getMetadata().getUid())
                        .withController(true)
                        .withBlockOwnerDeletion(true)
                        .build())
                .build();
    }

    /**
     * The generated cluster secret; created once, and changed only by a rotation ({@link SecretRotationPlan}),
     * in steps the stores follow (changing it at once would split the cluster).
     */
    public static Secret secret(KVCluster cluster) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return new SecretBuilder()
                .withMetadata(metadata(cluster, KvNames.generatedSecret(cluster.getMetadata().getName())))
                .withType("Opaque")
                .withStringData(Map.of(KvNames.SECRET_KEY, HexFormat.of().formatHex(random)))
                .build();
    }

    /**
     * The generated client users: {@code default} with a random password, read-write. Created once
     * when absent, never updated by the operator (a user changes or adds passwords in it; the stores
     * read it again within seconds). Never in an env var or a ConfigMap: mounted as files. Not owned
     * by the cluster: like the volumes, it outlives a deleted KVCluster, so that one made again on the
     * same data keeps the password its clients know.
     */
    public static Secret usersSecret(KVCluster cluster) {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String name = KvNames.generatedUsers(cluster.getMetadata().getName());
        return new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(cluster.getMetadata().getNamespace())
                .withLabels(KvNames.labels(cluster.getMetadata().getName())).endMetadata()
                .withType("Opaque")
                .withStringData(Map.of(KvNames.DEFAULT_USER,
                        java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random)))
                .build();
    }

    public static Service headlessService(KVCluster cluster) {
        String name = cluster.getMetadata().getName();
        return new ServiceBuilder()
                .withMetadata(metadata(cluster, KvNames.headless(name)))
                .withNewSpec()
                .withClusterIP("None")
                // peers must find each other before they are ready: a secondary is ready only once following
                .withPublishNotReadyAddresses(true)
                .withSelector(KvNames.selector(name))
                .addNewPort().withName("http").withPort(KvNames.HTTP_PORT).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("redis").withPort(KvNames.REDIS_PORT).withTargetPort(new IntOrString("redis")).endPort()
                .addNewPort().withName("replication").withPort(KvNames.REPLICATION_PORT)
                .withTargetPort(new IntOrString("replication")).endPort()
                .endSpec()
                .build();
    }

    /** {@code -rw}: the primary; {@code -ro}: the secondaries; {@code -r}: any ready store. */
    public static List<Service> clientServices(KVCluster cluster) {
        String name = cluster.getMetadata().getName();
        return List.of(
                clientService(cluster, KvNames.readWrite(name), KvNames.selector(name, KvNames.PRIMARY)),
                clientService(cluster, KvNames.readOnly(name), KvNames.selector(name, KvNames.SECONDARY)),
                clientService(cluster, KvNames.anyReady(name), KvNames.selector(name)));
    }

    private static Service clientService(KVCluster cluster, String serviceName, Map<String, String> selector) {
        return new ServiceBuilder()
                .withMetadata(metadata(cluster, serviceName))
                .withNewSpec()
                .withType("ClusterIP")
                .withSelector(selector)
                .addNewPort().withName("http").withPort(KvNames.HTTP_PORT).withTargetPort(new IntOrString("http")).endPort()
                .addNewPort().withName("redis").withPort(KvNames.REDIS_PORT).withTargetPort(new IntOrString("redis")).endPort()
                .endSpec()
                .build();
    }

    /** A store may take 10 minutes to open its data before the kubelet gives up on it (2 s apart). */
    static final int STARTUP_PROBES = 300;

    /**
     * The secondaries: at most one down by choice (drain, eviction) at a time, so a sync write always has
     * a secondary while another is away (with two stores, the one secondary may go: a drain must end, and
     * writes then wait for it). A budget of its own, apart from the primary's: the API server refuses to
     * evict a pod that two budgets select (an error a drain does not retry). The pods not yet labelled
     * count here. A number, not maxUnavailable: that would be counted against the StatefulSet's replicas,
     * the primary among them, and allow nothing.
     */
    public static PodDisruptionBudget podDisruptionBudget(KVCluster cluster) {
        return podDisruptionBudget(cluster, cluster.getSpec().getReplicas() == null ? 1 : cluster.getSpec().getReplicas());
    }

    /** {@code stores}: the StatefulSet's replicas (more than the spec's while a scale-down waits for a switchover). */
    public static PodDisruptionBudget podDisruptionBudget(KVCluster cluster, int stores) {
        String name = cluster.getMetadata().getName();
        return new PodDisruptionBudgetBuilder()
                .withMetadata(metadata(cluster, name))
                .withNewSpec()
                .withMinAvailable(new IntOrString(Math.max(0, stores - 2)))
                .withNewSelector().withMatchLabels(KvNames.selector(name))
                .addNewMatchExpression().withKey(KvNames.ROLE_LABEL).withOperator("NotIn").withValues(KvNames.PRIMARY)
                .endMatchExpression().endSelector()
                .endSpec()
                .build();
    }

    /**
     * The primary never evicted (a drain, a node upgrade) while it is primary: the eviction is refused
     * until the operator has switched over to a secondary on a node that stays (it does when the primary's
     * node is cordoned, as a drain does first), and the drain, which retries, then takes a secondary.
     * With one store there is no one to switch over to, and a budget of one would block every drain for
     * good: the budget then allows the eviction (the cluster is down until the store is back).
     */
    public static PodDisruptionBudget primaryDisruptionBudget(KVCluster cluster) {
        return primaryDisruptionBudget(cluster, cluster.getSpec().getReplicas() == null ? 1 : cluster.getSpec().getReplicas());
    }

    public static PodDisruptionBudget primaryDisruptionBudget(KVCluster cluster, int stores) {
        String name = cluster.getMetadata().getName();
        boolean anyoneToSwitchTo = stores > 1;
        return new PodDisruptionBudgetBuilder()
                .withMetadata(metadata(cluster, KvNames.primaryDisruptionBudget(name)))
                .withNewSpec()
                .withMinAvailable(new IntOrString(anyoneToSwitchTo ? 1 : 0))
                .withNewSelector().withMatchLabels(KvNames.selector(name, KvNames.PRIMARY)).endSelector()
                .endSpec()
                .build();
    }

    /**
     * The pod template's annotation for a restart request on the KVCluster, or none (see
     * {@link KvNames#RESTART_REQUEST}). Removing the request changes the template back, which restarts the
     * stores once more: kubectl kv restart only ever sets a new value.
     */
    private static Map<String, String> restartedFor(KVCluster cluster) {
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        String request = annotations == null ? null : annotations.get(KvNames.RESTART_REQUEST);
        return request == null || request.isBlank() ? null : Map.of(KvNames.RESTARTED_FOR, request);
    }

    /**
     * The stores. OnDelete: the operator decides when a pod restarts on a new template (secondaries
     * first, then a switchover, then the old primary), never the StatefulSet controller. Volumes are
     * retained when the cluster is deleted or scaled down: data is never deleted implicitly.
     */
    public static StatefulSet statefulSet(KVCluster cluster) {
        return statefulSet(cluster, cluster.getSpec().getReplicas());
    }

    /** For a cluster with no StatefulSet yet (client authentication as for a new cluster). */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas) {
        return statefulSet(cluster, replicas, ClientAuth.enabled(cluster, null));
    }

    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth) {
        return statefulSet(cluster, replicas, clientAuth,
                TransportSecurity.decide(cluster, null, List.of()).enabled());
    }

    /**
     * The StatefulSet with a replica count that may differ from the spec's while a scale-down waits, with
     * client authentication and TLS as decided for the cluster ({@link ClientAuth}, {@link TransportSecurity}).
     */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth, boolean tls) {
        return statefulSet(cluster, replicas, clientAuth, new TransportSecurity.Template(tls, tls, false, null));
    }

    /**
     * The same, with TLS as the template is to have it ({@link TransportSecurity.Template}): the HTTP port on
     * TLS or in clear, marked ({@link TransportSecurity#HTTP_KEPT_ANNOTATION}) when it is in clear only because
     * it was so before this release, and the client ports showing the user's certificate or the operator's.
     */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth,
                                          TransportSecurity.Template transport) {
        return statefulSet(cluster, replicas, clientAuth, transport, null);
    }

    /**
     * The same, restoring the backup {@code restoreBackup} (its name in the object storage; null: none) into each
     * store's empty data directory before it starts ({@link RestoreFromBackup}).
     */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth,
                                          TransportSecurity.Template transport, String restoreBackup) {
        return statefulSet(cluster, replicas, clientAuth, transport, restoreBackup, null);
    }

    /** The volume claim template a running StatefulSet was made with: its size and StorageClass (null: the default). */
    public record KeptClaim(String size, String storageClassName) {
    }

    /**
     * The same, its volume claim template as {@code kept} (null: {@code spec.storage}). The API server refuses any
     * change of a StatefulSet's claim template, and with it the whole update: a running StatefulSet keeps the size and
     * class it was made with, and a larger {@code spec.storage.size} grows the claims themselves (the operator's
     * VolumeResizeKeeper).
     */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth,
                                          TransportSecurity.Template transport, String restoreBackup, KeptClaim kept) {
        return statefulSet(cluster, replicas, clientAuth, transport, restoreBackup, null, kept);
    }

    /**
     * The same, the stores replaying the log archived after {@code restoreBackup} up to {@code restoreTarget} (a
     * restore to a point in time; null: the backup's own point).
     */
    public static StatefulSet statefulSet(KVCluster cluster, int replicas, boolean clientAuth,
                                          TransportSecurity.Template transport, String restoreBackup,
                                          String restoreTarget, KeptClaim kept) {
        boolean tls = transport.enabled();
        boolean https = tls && transport.http();
        boolean httpKept = transport.httpKept();
        String serverSecret = tls ? transport.serverSecret() : null;
        String name = cluster.getMetadata().getName();
        KVClusterSpec spec = cluster.getSpec();
        KVClusterSpec.Replication replication = spec.getReplication() == null ? new KVClusterSpec.Replication()
                : spec.getReplication();
        KVClusterSpec.Storage storage = spec.getStorage() == null ? new KVClusterSpec.Storage() : spec.getStorage();
        List<EnvVar> env = new java.util.ArrayList<>(List.of(
                new EnvVarBuilder().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                        .endFieldRef().endValueFrom().build(),
                new EnvVarBuilder().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
                        .endFieldRef().endValueFrom().build(),
                env("KV_NODE_ID", "$(POD_NAME)"),
                env("KV_CLUSTER_ID", name),
                env("KV_SECRET_FILE", SECRET_MOUNT + "/" + KvNames.SECRET_KEY),
                env("KV_DATA_DIR", DATA_MOUNT + "/store"),
                env("KV_MODE", replication.getMode()),
                env("KV_MIN_SYNC_REPLICAS", String.valueOf(replication.getMinSyncReplicas())),
                env("KV_REPLICATION_PORT", String.valueOf(KvNames.REPLICATION_PORT)),
                env("KV_ADVERTISED_REPLICATION", "$(POD_IP):" + KvNames.REPLICATION_PORT),
                // over https by the pod's name, which its certificate covers (through the headless Service); not its IP
                env("KV_ADVERTISED_HTTP", https ? "https://" + KvNames.podDnsName("$(POD_NAME)", name, cluster.getMetadata().getNamespace()) + ":" + KvNames.HTTP_PORT
                        : "http://$(POD_IP):" + KvNames.HTTP_PORT),
                env("QUARKUS_HTTP_PORT", String.valueOf(KvNames.HTTP_PORT)),
                env("KV_ADMIN_PORT", String.valueOf(KvNames.ADMIN_PORT)),
                env("QUARKUS_MANAGEMENT_PORT", String.valueOf(KvNames.MANAGEMENT_PORT)),
                env("KV_RESP_PORT", String.valueOf(KvNames.REDIS_PORT))));
        boolean auth = clientAuth;
        if (auth) {
            env.add(env(ClientAuth.USERS_DIR_ENV, USERS_MOUNT));
            List<String> readOnly = spec.getAuth() == null ? null : spec.getAuth().getReadonlyUsers();
            if (readOnly != null && !readOnly.isEmpty()) {
                env.add(env("KV_READONLY_USERS", String.join(",", readOnly)));
            }
        }
        if (tls) {
            env.add(env(TransportSecurity.TLS_DIR_ENV, TLS_MOUNT));
            env.add(env(TransportSecurity.HTTP_TLS_ENV, String.valueOf(https)));
            if (serverSecret != null) {
                env.add(env(TransportSecurity.CLIENT_TLS_DIR_ENV, CLIENT_TLS_MOUNT));
            }
        }
        if (spec.getLogFormat() != null) {
            // only when asked for: a release before formats ignores the variable, the newest format is the default
            env.add(env("KV_LOG_FORMAT", String.valueOf(spec.getLogFormat())));
        }
        if (restoreBackup != null) {
            env.addAll(RestoreFromBackup.storeEnv(restoreBackup, restoreTarget, cluster.getMetadata().getUid()));
        }
        String probeScheme = https ? "HTTPS" : "HTTP";
        var container = new ContainerBuilder()
                .withName("store")
                .withImage(spec.getImage())
                .withImagePullPolicy(spec.getImagePullPolicy())
                .addNewPort().withName("http").withContainerPort(KvNames.HTTP_PORT).endPort()
                .addNewPort().withName("redis").withContainerPort(KvNames.REDIS_PORT).endPort()
                .addNewPort().withName("replication").withContainerPort(KvNames.REPLICATION_PORT).endPort()
                .addNewPort().withName("admin").withContainerPort(KvNames.ADMIN_PORT).endPort()
                .addNewPort().withName("management").withContainerPort(KvNames.MANAGEMENT_PORT).endPort()
                .withEnv(env)
                .withResources(spec.getResources())
                // with TLS the HTTP port answers https alone; the kubelet's HTTPS probe checks no certificate
                .withNewReadinessProbe().withNewHttpGet().withPath("/health/ready").withPort(new IntOrString("http"))
                .withScheme(probeScheme).endHttpGet().withPeriodSeconds(2).withFailureThreshold(2).endReadinessProbe()
                // The HTTP port opens once the store has read its snapshot and log, which takes as long as the data
                // is large (and a JVM start on a busy node takes seconds): the liveness probe starts only once the
                // startup probe passed, else a store still starting is killed after its 20 s and starts over, for
                // good on a large data set (a kind run saw one killed 35 s into a start, during a rolling update)
                .withNewStartupProbe().withNewHttpGet().withPath("/health/live").withPort(new IntOrString("http"))
                .withScheme(probeScheme).endHttpGet().withPeriodSeconds(2).withFailureThreshold(STARTUP_PROBES)
                .endStartupProbe()
                .withNewLivenessProbe().withNewHttpGet().withPath("/health/live").withPort(new IntOrString("http"))
                .withScheme(probeScheme).endHttpGet().withPeriodSeconds(5).withFailureThreshold(3).endLivenessProbe()
                // A deleted pod keeps its address for 2 s more: kube-proxy (which applies changes at most once a
                // second) stops sending it connections before the address vanishes, so clients see a fast
                // refusal from the fenced store instead of a connect timeout into a dead address.
                .withNewLifecycle().withNewPreStop().withNewSleep().withSeconds(2L).endSleep().endPreStop().endLifecycle()
                .addNewVolumeMount().withName(DATA_VOLUME).withMountPath(DATA_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName("secret").withMountPath(SECRET_MOUNT).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addAllToVolumeMounts(auth ? List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                        .withName(USERS_VOLUME).withMountPath(USERS_MOUNT).withReadOnly(true).build()) : List.of())
                .addAllToVolumeMounts(tls ? List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                        .withName(TLS_VOLUME).withMountPath(TLS_MOUNT).withReadOnly(true).build()) : List.of())
                .addAllToVolumeMounts(serverSecret != null ? List.of(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                        .withName(CLIENT_TLS_VOLUME).withMountPath(CLIENT_TLS_MOUNT).withReadOnly(true).build()) : List.of())
                .withNewSecurityContext().withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withRunAsNonRoot(true).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .build();
        var claim = new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(DATA_VOLUME).withLabels(KvNames.labels(name)).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(kept != null ? kept.storageClassName() : storage.getStorageClassName())
                .withNewResources().withRequests(Map.of("storage", new Quantity(kept != null ? kept.size()
                        : storage.getSize()))).endResources()
                .endSpec()
                .build();
        var metadata = metadata(cluster, name);
        if (tls && !https && httpKept) {
            metadata.setAnnotations(new java.util.HashMap<>(java.util.Map.of(TransportSecurity.HTTP_KEPT_ANNOTATION, "true")));
        }
        return new StatefulSetBuilder()
                .withMetadata(metadata)
                .withNewSpec()
                .withServiceName(KvNames.headless(name))
                .withReplicas(replicas)
                .withPodManagementPolicy("Parallel")
                .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewPersistentVolumeClaimRetentionPolicy().withWhenDeleted("Retain").withWhenScaled("Retain")
                .endPersistentVolumeClaimRetentionPolicy()
                .withNewSelector().withMatchLabels(KvNames.selector(name)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(KvNames.labels(name)).withAnnotations(restartedFor(cluster)).endMetadata()
                .withNewSpec()
                .withInitContainers(restoreBackup == null ? List.of()
                        : List.of(RestoreFromBackup.initContainer(spec.getImage(), spec.getImagePullPolicy(), restoreBackup,
                                restoreTarget, container)))
                .withContainers(container)
                // The pause process is PID 1 and the JVM is not init: a store killed inside its container
                // (an OOM, a crash, `kill -9` through kubectl exec) really dies and the kubelet restarts it.
                .withShareProcessNamespace(true)
                .withTerminationGracePeriodSeconds(10L)
                // the restricted Pod Security Standard: the runtime's default seccomp filter as well
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(185L).withRunAsGroup(185L)
                .withFsGroup(185L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                // a store never calls the Kubernetes API: no token to steal from it
                .withAutomountServiceAccountToken(false)
                .withAffinity(StorePlacement.affinity(name, spec.getAffinity(), spec.getPodAntiAffinity()))
                .withTolerations(spec.getTolerations())
                .addNewVolume().withName("secret").withNewSecret().withSecretName(KvNames.secretOf(cluster))
                .withDefaultMode(0440).endSecret().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                // files, not env vars: a changed password reaches the running stores (they read it again)
                .addAllToVolumes(auth ? List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(USERS_VOLUME)
                        .withNewSecret().withSecretName(KvNames.usersOf(cluster)).withDefaultMode(0440).endSecret()
                        .build()) : List.of())
                // renewed by the operator in place; the kubelet updates the files, the stores read them again
                .addAllToVolumes(tls ? List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName(TLS_VOLUME)
                        .withNewSecret().withSecretName(KvNames.tlsSecret(name)).withDefaultMode(0440).endSecret()
                        .build()) : List.of())
                // the user's (cert-manager's): renewed in place by its issuer, read again by the stores
                .addAllToVolumes(serverSecret != null ? List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder()
                        .withName(CLIENT_TLS_VOLUME).withNewSecret().withSecretName(serverSecret).withDefaultMode(0440)
                        .addNewItem().withKey(ServerCertificate.CERT).withPath(ServerCertificate.CERT).endItem()
                        .addNewItem().withKey(ServerCertificate.KEY).withPath(ServerCertificate.KEY).endItem()
                        .endSecret().build()) : List.of())
                .addAllToVolumes(restoreBackup != null ? List.of(RestoreFromBackup.volume(name)) : List.of())
                .endSpec()
                .endTemplate()
                .withVolumeClaimTemplates(claim)
                .endSpec()
                .build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }
}
