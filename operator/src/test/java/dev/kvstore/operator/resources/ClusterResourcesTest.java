package dev.kvstore.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The objects a KVCluster spec turns into, before any API server sees them. */
class ClusterResourcesTest {

    private static KVCluster cluster(String name, KVClusterSpec spec) {
        KVCluster cluster = new KVCluster();
        cluster.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("apps").withUid("uid-1").build());
        cluster.setSpec(spec);
        return cluster;
    }

    private static Map<String, String> env(Container container) {
        return container.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void a_running_statefulsets_claim_template_is_kept_whatever_the_spec_says_now() {
        KVClusterSpec spec = new KVClusterSpec();
        spec.getStorage().setSize("2Gi");
        spec.getStorage().setStorageClassName("fast");
        KVCluster kv = cluster("kv", spec);
        var fresh = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null), null,
                null).getSpec().getVolumeClaimTemplates().get(0).getSpec();
        assertThat(fresh.getResources().getRequests().get("storage").toString()).isEqualTo("2Gi");
        assertThat(fresh.getStorageClassName()).isEqualTo("fast");

        // the API server refuses a change of the claim template, and with it the whole update: the one made is kept
        var kept = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null), null,
                new ClusterResources.KeptClaim("1Gi", null)).getSpec().getVolumeClaimTemplates().get(0).getSpec();
        assertThat(kept.getResources().getRequests().get("storage").toString()).isEqualTo("1Gi");
        assertThat(kept.getStorageClassName()).isNull();
    }

    @Test
    void aClusterRestoredFromABackupFetchesItInAnInitContainerWithNoStorageCredentialsInThePod() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        var plain = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null));
        assertThat(plain.getSpec().getTemplate().getSpec().getInitContainers()).isEmpty();
        var pod = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null),
                "kv-20261205-230038-1-239-2e3255").getSpec().getTemplate().getSpec();
        Container init = pod.getInitContainers().get(0);
        Container store = pod.getContainers().get(0);
        assertThat(init.getName()).isEqualTo("restore");
        assertThat(init.getImage()).isEqualTo(store.getImage());
        assertThat(init.getSecurityContext()).isEqualTo(store.getSecurityContext());
        assertThat(env(init)).containsEntry("KV_RESTORE_FILE", "/data/restore/kv-20261205-230038-1-239-2e3255.snapshot");
        assertThat(env(store)).containsEntry("KV_RESTORE_FROM", "/data/restore/kv-20261205-230038-1-239-2e3255.snapshot")
                .containsEntry("KV_RESTORE_IF_PRESENT", "true");
        assertThat(pod.getVolumes()).filteredOn(volume -> "restore".equals(volume.getName())).singleElement()
                .satisfies(volume -> {
                    assertThat(volume.getSecret().getSecretName()).isEqualTo("kv-restore");
                    assertThat(volume.getSecret().getOptional()).as("a store waits for it, never starts without it")
                            .isNotEqualTo(Boolean.TRUE);
                });
        assertThat(store.getVolumeMounts()).as("the store never sees the address")
                .noneSatisfy(mount -> assertThat(mount.getName()).isEqualTo("restore"));
        assertThat(init.getEnv()).noneSatisfy(e -> assertThat(e.getValueFrom()).isNotNull());
        // read back from a running template (a status lost): the same backup, and none for a cluster not restored
        assertThat(RestoreFromBackup.backupInTemplate(ClusterResources.statefulSet(kv, 3, true,
                new TransportSecurity.Template(true, true, false, null), "kv-20261205-230038-1-239-2e3255")))
                .isEqualTo("kv-20261205-230038-1-239-2e3255");
        assertThat(RestoreFromBackup.backupInTemplate(plain)).isNull();
    }

    @Test
    void aClusterRestoredToAPointInTimeFetchesTheArchivedLogToo_andTheTemplateSaysThePoint() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        String backup = "kv-20261205-230038-1-239-2e3255";
        var set = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null),
                backup, "2026-12-07T01:02:03.456Z", null);
        Container init = set.getSpec().getTemplate().getSpec().getInitContainers().get(0);
        Container store = set.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(init)).containsEntry(RestoreFromBackup.LOG_FILE_ENV, "/data/restore/" + backup + ".kvlog");
        assertThat(env(store)).containsEntry("KV_RESTORE_LOG", "/data/restore/" + backup + ".kvlog")
                .containsEntry("KV_RESTORE_TO", "2026-12-07T01:02:03.456Z");
        // what the operator reads back when the status that said it is lost: the pods never change under it
        assertThat(RestoreFromBackup.targetInTemplate(set)).isEqualTo("2026-12-07T01:02:03.456Z");
        var toBackup = ClusterResources.statefulSet(kv, 3, true, new TransportSecurity.Template(true, true, false, null),
                backup);
        assertThat(RestoreFromBackup.targetInTemplate(toBackup)).isNull();
        assertThat(env(toBackup.getSpec().getTemplate().getSpec().getContainers().get(0))).doesNotContainKey("KV_RESTORE_LOG");
    }

    @Test
    void clientsAuthenticateByDefaultWithUsersFromAMountedSecretNeverAnEnvVar() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        var pod = ClusterResources.statefulSet(kv).getSpec().getTemplate().getSpec();
        Container store = pod.getContainers().get(0);
        assertThat(env(store)).containsEntry("KV_USERS_DIR", "/etc/kvstore/users").doesNotContainKey("KV_READONLY_USERS");
        assertThat(store.getVolumeMounts()).anySatisfy(mount -> {
            assertThat(mount.getMountPath()).isEqualTo("/etc/kvstore/users");
            assertThat(mount.getReadOnly()).isTrue();
        });
        assertThat(pod.getVolumes()).filteredOn(volume -> volume.getSecret() != null)
                .anySatisfy(volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("kv-users"));
        assertThat(store.getEnv()).noneSatisfy(e -> assertThat(e.getValueFrom() != null
                && e.getValueFrom().getSecretKeyRef() != null).isTrue());
        assertThat(pod.getVolumes().get(0).getSecret().getSecretName()).as("the cluster secret stays the first")
                .isEqualTo("kv-auth");

        var users = ClusterResources.usersSecret(kv);
        assertThat(users.getMetadata().getName()).isEqualTo("kv-users");
        assertThat(users.getStringData()).containsOnlyKeys("default");
        assertThat(users.getStringData().get("default")).hasSizeGreaterThanOrEqualTo(32)
                .isNotEqualTo(ClusterResources.usersSecret(kv).getStringData().get("default"));
        assertThat(users.getMetadata().getOwnerReferences()).as("outlives the cluster, as its volumes do")
                .isNullOrEmpty();
    }

    @Test
    void aNamedUsersSecretAndReadOnlyUsersReachTheStoresAndAuthCanBeTurnedOff() {
        KVClusterSpec spec = new KVClusterSpec();
        spec.setAuth(new KVClusterSpec.Auth());
        spec.getAuth().setUsersSecret("app-users");
        spec.getAuth().setReadonlyUsers(java.util.List.of("reader", "dashboards"));
        var pod = ClusterResources.statefulSet(cluster("kv", spec)).getSpec().getTemplate().getSpec();
        assertThat(env(pod.getContainers().get(0))).containsEntry("KV_READONLY_USERS", "reader,dashboards");
        assertThat(pod.getVolumes()).filteredOn(volume -> volume.getSecret() != null)
                .anySatisfy(volume -> assertThat(volume.getSecret().getSecretName()).isEqualTo("app-users"));

        KVClusterSpec open = new KVClusterSpec();
        open.setAuth(new KVClusterSpec.Auth());
        open.getAuth().setEnabled(false);
        var openPod = ClusterResources.statefulSet(cluster("kv", open)).getSpec().getTemplate().getSpec();
        assertThat(env(openPod.getContainers().get(0))).doesNotContainKey("KV_USERS_DIR");
        assertThat(openPod.getVolumes()).noneSatisfy(volume -> assertThat(volume.getName()).isEqualTo("users"));
    }

    @Test
    void aClusterWhoseStoresRunWithoutAuthenticationKeepsSoUnlessTheSpecSaysOtherwise() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        StatefulSet open = ClusterResources.statefulSet(kv, 3, false);
        StatefulSet secured = ClusterResources.statefulSet(kv, 3, true);
        assertThat(ClientAuth.enabled(kv, null)).as("a new cluster").isTrue();
        assertThat(ClientAuth.enabled(kv, secured)).isTrue();
        assertThat(ClientAuth.enabled(kv, open)).as("made before the operator had authentication").isFalse();
        assertThat(ClientAuth.decide(kv, null, java.util.List.of()).reason()).isEqualTo("UsersSecret");
        ClientAuth.Decision keptOpen = ClientAuth.decide(kv, open, java.util.List.of());
        assertThat(keptOpen.keptOpenSinceBefore()).isTrue();
        assertThat(keptOpen.message()).as("the condition says how to turn it on").contains("spec.auth.enabled: true");
        var orphanedOpenPod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewSpec()
                .withContainers(open.getSpec().getTemplate().getSpec().getContainers()).endSpec().build();
        assertThat(ClientAuth.enabled(kv, null, java.util.List.of(orphanedOpenPod)))
                .as("its StatefulSet deleted with --cascade=orphan, its open pods still run").isFalse();
        kv.getSpec().setAuth(new KVClusterSpec.Auth());
        assertThat(ClientAuth.enabled(kv, open)).as("spec.auth.enabled defaults to true once auth is given").isTrue();
        ClientAuth.Decision enabling = ClientAuth.decide(kv, secured, java.util.List.of(orphanedOpenPod));
        assertThat(enabling.enabled()).isTrue();
        assertThat(enabling.inForce()).as("some pods still run open until the rolling restart ends").isFalse();
        assertThat(enabling.reason()).isEqualTo("Enabling");
        kv.getSpec().getAuth().setEnabled(false);
        assertThat(ClientAuth.enabled(kv, secured)).as("turned off on purpose").isFalse();
        ClientAuth.Decision disabled = ClientAuth.decide(kv, open, java.util.List.of());
        assertThat(disabled.keptOpenSinceBefore()).isFalse();
        assertThat(disabled.reason()).isEqualTo("DisabledInSpec");
    }

    @Test
    void aMinimalClusterGetsThreeSynchronousStoresWithVolumes() {
        StatefulSet sts = ClusterResources.statefulSet(cluster("kv", new KVClusterSpec()));
        assertThat(sts.getMetadata().getName()).isEqualTo("kv");
        assertThat(env(sts.getSpec().getTemplate().getSpec().getContainers().get(0)))
                .as("the store's own (newest) log format unless the spec names one").doesNotContainKey("KV_LOG_FORMAT");
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        assertThat(sts.getSpec().getServiceName()).isEqualTo("kv-headless");
        assertThat(sts.getSpec().getUpdateStrategy().getType()).as("the operator orders restarts").isEqualTo("OnDelete");
        Container store = sts.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(store.getImage()).isEqualTo("kvstore/store:0.1.0");
        assertThat(env(store)).containsEntry("KV_MODE", "sync").containsEntry("KV_MIN_SYNC_REPLICAS", "1")
                .containsEntry("KV_CLUSTER_ID", "kv").containsEntry("KV_NODE_ID", "$(POD_NAME)")
                .containsEntry("KV_SECRET_FILE", "/etc/kvstore/secret/secret");
        assertThat(store.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(store.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        // a store reading a large data set is not killed for it: liveness only once the startup probe passed
        assertThat(store.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(store.getStartupProbe().getPeriodSeconds() * store.getStartupProbe().getFailureThreshold())
                .as("seconds a store may take to open its data").isGreaterThanOrEqualTo(600);
        assertThat(store.getLivenessProbe().getInitialDelaySeconds()).isNull();
        assertThat(store.getLifecycle().getPreStop().getSleep().getSeconds()).as("address outlives the endpoint")
                .isEqualTo(2L);
        assertThat(sts.getSpec().getVolumeClaimTemplates()).singleElement().satisfies(claim -> {
            assertThat(claim.getMetadata().getName()).isEqualTo("data");
            assertThat(claim.getSpec().getResources().getRequests().get("storage")).isEqualTo(new Quantity("1Gi"));
        });
        assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted()).isEqualTo("Retain");
        assertThat(sts.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled()).isEqualTo("Retain");
    }

    @Test
    void storesMeetTheRestrictedPodSecurityStandardWithoutAnApiToken() {
        StatefulSet sts = ClusterResources.statefulSet(cluster("kv", new KVClusterSpec()));
        var pod = sts.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).as("a store never calls the Kubernetes API").isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(185L);
        var container = pod.getContainers().get(0).getSecurityContext();
        assertThat(container.getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(pod.getShareProcessNamespace()).as("the JVM must not be PID 1").isTrue();
    }

    @Test
    void theSpecReachesThePodTemplate() {
        KVClusterSpec spec = new KVClusterSpec();
        spec.setReplicas(5);
        spec.setImage("registry.example/kv/store:1.2");
        spec.getReplication().setMode("async");
        spec.getReplication().setMinSyncReplicas(0);
        spec.getStorage().setSize("10Gi");
        spec.getStorage().setStorageClassName("fast");
        spec.setResources(new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("1Gi")).build());
        spec.setTolerations(List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build()));
        spec.setSecretName("my-secret");
        spec.setLogFormat(1);
        StatefulSet sts = ClusterResources.statefulSet(cluster("orders", spec));
        var pod = sts.getSpec().getTemplate().getSpec();
        Container store = pod.getContainers().get(0);
        assertThat(sts.getSpec().getReplicas()).isEqualTo(5);
        assertThat(store.getImage()).isEqualTo("registry.example/kv/store:1.2");
        assertThat(env(store)).containsEntry("KV_MODE", "async").containsEntry("KV_MIN_SYNC_REPLICAS", "0")
                .containsEntry("KV_LOG_FORMAT", "1");
        assertThat(store.getResources().getLimits()).containsEntry("memory", new Quantity("1Gi"));
        assertThat(pod.getTolerations()).extracting("key").containsExactly("dedicated");
        assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("my-secret"));
        var claim = sts.getSpec().getVolumeClaimTemplates().get(0).getSpec();
        assertThat(claim.getStorageClassName()).isEqualTo("fast");
        assertThat(claim.getResources().getRequests().get("storage")).isEqualTo(new Quantity("10Gi"));
    }

    @Test
    void aRestartRequestChangesThePodTemplateSoThatTheStoresRollAndNothingElse() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        StatefulSet before = ClusterResources.statefulSet(kv);
        kv.getMetadata().setAnnotations(Map.of(KvNames.RESTART_REQUEST, "2026-12-05T17:20:00Z"));

        StatefulSet after = ClusterResources.statefulSet(kv);

        assertThat(before.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsExactly(Map.entry(KvNames.RESTARTED_FOR, "2026-12-05T17:20:00Z"));
        after.getSpec().getTemplate().getMetadata().setAnnotations(null);
        assertThat(after).as("all else alike").isEqualTo(before);
    }

    @Test
    void aScaleDownThatWaitsKeepsMoreReplicasThanTheSpec() {
        KVClusterSpec spec = new KVClusterSpec();
        spec.setReplicas(3);
        assertThat(ClusterResources.statefulSet(cluster("kv", spec), 5).getSpec().getReplicas()).isEqualTo(5);
    }

    @Test
    void servicesSelectByRole() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        Map<String, Service> services = ClusterResources.clientServices(kv).stream()
                .collect(Collectors.toMap(s -> s.getMetadata().getName(), Function.identity()));
        assertThat(services.get("kv-rw").getSpec().getSelector()).containsEntry("kvstore.dev/role", "primary")
                .containsEntry("kvstore.dev/cluster", "kv");
        assertThat(services.get("kv-ro").getSpec().getSelector()).containsEntry("kvstore.dev/role", "secondary");
        assertThat(services.get("kv-r").getSpec().getSelector()).doesNotContainKey("kvstore.dev/role");
        Service headless = ClusterResources.headlessService(kv);
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    }

    @Test
    void everyStoreAndEveryClientServiceSpeaksTheRedisProtocolOn6379() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        Container store = ClusterResources.statefulSet(kv).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(store.getPorts()).anySatisfy(port -> {
            assertThat(port.getName()).isEqualTo("redis");
            assertThat(port.getContainerPort()).isEqualTo(6379);
        });
        assertThat(env(store)).containsEntry("KV_RESP_PORT", "6379");
        for (Service service : ClusterResources.clientServices(kv)) {
            assertThat(service.getSpec().getPorts()).as(service.getMetadata().getName()).anySatisfy(port -> {
                assertThat(port.getName()).isEqualTo("redis");
                assertThat(port.getPort()).isEqualTo(6379);
                assertThat(port.getTargetPort().getStrVal()).isEqualTo("redis");
            });
        }
        assertThat(ClusterResources.headlessService(kv).getSpec().getPorts()).extracting("name").contains("redis");
    }

    @Test
    void theAdminApiAndMetricsHavePortsOfTheirOwnThatNoClientServiceExposes() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        Container store = ClusterResources.statefulSet(kv).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(store.getPorts()).extracting("name", "containerPort").contains(
                org.assertj.core.groups.Tuple.tuple("admin", 7401), org.assertj.core.groups.Tuple.tuple("management", 9000));
        assertThat(env(store)).containsEntry("KV_ADMIN_PORT", "7401").containsEntry("QUARKUS_MANAGEMENT_PORT", "9000");
        for (Service service : ClusterResources.clientServices(kv)) {
            assertThat(service.getSpec().getPorts()).extracting("name").containsExactly("http", "redis");
        }
        // probes stay on the HTTP port: a store of the release before the management port answers them too
        assertThat(store.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }

    @Test
    void everythingIsOwnedByTheClusterAndLabelled() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        var objects = new java.util.ArrayList<io.fabric8.kubernetes.api.model.HasMetadata>(ClusterResources.clientServices(kv));
        objects.add(ClusterResources.headlessService(kv));
        objects.add(ClusterResources.podDisruptionBudget(kv));
        objects.add(ClusterResources.primaryDisruptionBudget(kv));
        objects.add(ClusterResources.statefulSet(kv));
        objects.add(ClusterResources.secret(kv));
        assertThat(objects).allSatisfy(o -> {
            assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
                assertThat(owner.getUid()).isEqualTo("uid-1");
                assertThat(owner.getController()).isTrue();
            });
            assertThat(o.getMetadata().getLabels()).containsEntry("kvstore.dev/cluster", "kv")
                    .containsEntry("app.kubernetes.io/managed-by", "kv-operator");
            assertThat(o.getMetadata().getNamespace()).isEqualTo("apps");
        });
    }

    @Test
    void theGeneratedSecretIsRandomPerCluster() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        String first = ClusterResources.secret(kv).getStringData().get("secret");
        String second = ClusterResources.secret(kv).getStringData().get("secret");
        assertThat(first).hasSize(64).isNotEqualTo(second);
        assertThat(ClusterResources.secret(kv).getMetadata().getName()).isEqualTo("kv-auth");
    }

    private static io.fabric8.kubernetes.api.model.Affinity affinityOf(KVClusterSpec spec) {
        return ClusterResources.statefulSet(cluster("kv", spec), 3, true, new TransportSecurity.Template(true, true, false, null))
                .getSpec().getTemplate().getSpec().getAffinity();
    }

    @Test
    void theStoresPreferDistinctNodesByDefault() {
        var antiAffinity = affinityOf(new KVClusterSpec()).getPodAntiAffinity();
        assertThat(antiAffinity.getRequiredDuringSchedulingIgnoredDuringExecution()).isEmpty();
        assertThat(antiAffinity.getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement().satisfies(term -> {
            assertThat(term.getWeight()).isEqualTo(100);
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                    .containsEntry("kvstore.dev/cluster", "kv").containsEntry("app.kubernetes.io/name", "kvstore");
        });
    }

    @Test
    void requiredMakesDistinctNodesARuleAndNoneLeavesTheSchedulerAlone() {
        KVClusterSpec required = new KVClusterSpec();
        required.setPodAntiAffinity("required");
        var rule = affinityOf(required).getPodAntiAffinity();
        assertThat(rule.getPreferredDuringSchedulingIgnoredDuringExecution()).isEmpty();
        assertThat(rule.getRequiredDuringSchedulingIgnoredDuringExecution()).singleElement().satisfies(term -> {
            assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getLabelSelector().getMatchLabels()).containsEntry("kvstore.dev/cluster", "kv");
        });
        KVClusterSpec none = new KVClusterSpec();
        none.setPodAntiAffinity("none");
        assertThat(affinityOf(none)).isNull();
    }

    @Test
    void theUsersAffinityIsKeptAndTheirPodAntiAffinityWins() {
        var nodeAffinity = new io.fabric8.kubernetes.api.model.NodeAffinityBuilder()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(5).withNewPreference()
                .addNewMatchExpression().withKey("disk").withOperator("In").withValues("ssd").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution().build();
        KVClusterSpec withNodeAffinity = new KVClusterSpec();
        withNodeAffinity.setAffinity(new io.fabric8.kubernetes.api.model.AffinityBuilder().withNodeAffinity(nodeAffinity).build());
        var merged = affinityOf(withNodeAffinity);
        assertThat(merged.getNodeAffinity()).isEqualTo(nodeAffinity);
        assertThat(merged.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
        assertThat(withNodeAffinity.getAffinity().getPodAntiAffinity()).as("the spec itself untouched").isNull();

        var users = new io.fabric8.kubernetes.api.model.AffinityBuilder().withNewPodAntiAffinity()
                .addNewRequiredDuringSchedulingIgnoredDuringExecution().withTopologyKey("topology.kubernetes.io/zone")
                .withNewLabelSelector().addToMatchLabels("kvstore.dev/cluster", "kv").endLabelSelector()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endPodAntiAffinity().build();
        KVClusterSpec ownAntiAffinity = new KVClusterSpec();
        ownAntiAffinity.setAffinity(users);
        ownAntiAffinity.setPodAntiAffinity("required");
        assertThat(affinityOf(ownAntiAffinity)).isEqualTo(users);
    }

    /** Whether a label selector of matchLabels and In/NotIn expressions selects a pod with these labels. */
    private static boolean selects(io.fabric8.kubernetes.api.model.LabelSelector selector, Map<String, String> labels) {
        boolean byLabels = selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        boolean byExpressions = selector.getMatchExpressions().stream().allMatch(e -> switch (e.getOperator()) {
            case "In" -> e.getValues().contains(labels.get(e.getKey()));
            case "NotIn" -> !labels.containsKey(e.getKey()) || !e.getValues().contains(labels.get(e.getKey()));
            default -> throw new AssertionError("operator " + e.getOperator());
        });
        return byLabels && byExpressions;
    }

    @Test
    void everyStoreIsUnderExactlyOneDisruptionBudgetAndThePrimarysHoldsItsEvictionBack() {
        KVCluster kv = cluster("kv", new KVClusterSpec());
        var secondaries = ClusterResources.podDisruptionBudget(kv);
        var primary = ClusterResources.primaryDisruptionBudget(kv);
        Map<String, String> podLabels = ClusterResources.statefulSet(kv).getSpec().getTemplate().getMetadata().getLabels();
        // the API server refuses (500, which a drain does not retry) to evict a pod that two budgets select
        for (String role : new String[] {null, "primary", "secondary"}) {
            Map<String, String> labels = new java.util.HashMap<>(podLabels);
            if (role != null) {
                labels.put("kvstore.dev/role", role);
            }
            assertThat(selects(secondaries.getSpec().getSelector(), labels) ^ selects(primary.getSpec().getSelector(), labels))
                    .as("exactly one budget for a pod of role %s", role).isTrue();
        }
        assertThat(selects(primary.getSpec().getSelector(), Map.of("app.kubernetes.io/name", "kvstore",
                "kvstore.dev/cluster", "kv", "kvstore.dev/role", "primary"))).isTrue();
        assertThat(primary.getMetadata().getName()).isEqualTo("kv-primary");
        assertThat(primary.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        // a number of secondaries: one of the two may go (maxUnavailable would count the primary's pod too)
        assertThat(secondaries.getSpec().getMaxUnavailable()).isNull();
        assertThat(secondaries.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        KVClusterSpec five = new KVClusterSpec();
        five.setReplicas(5);
        assertThat(ClusterResources.podDisruptionBudget(cluster("kv", five)).getSpec().getMinAvailable().getIntVal())
                .isEqualTo(3);
        KVClusterSpec one = new KVClusterSpec();
        one.setReplicas(1);
        assertThat(ClusterResources.primaryDisruptionBudget(cluster("kv", one)).getSpec().getMinAvailable().getIntVal())
                .as("no one to switch over to: a drain must not wait for good").isEqualTo(0);
        // while a scale-down to one waits for its switchover, the stores there are count
        assertThat(ClusterResources.primaryDisruptionBudget(cluster("kv", one), 3).getSpec().getMinAvailable().getIntVal())
                .isEqualTo(1);
        assertThat(ClusterResources.podDisruptionBudget(cluster("kv", five), 5).getSpec().getMinAvailable().getIntVal())
                .isEqualTo(3);
    }
}
