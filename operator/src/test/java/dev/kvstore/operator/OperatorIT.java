package dev.kvstore.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.kvstore.cli.client.KvClient;
import dev.kvstore.operator.model.KVBackup;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.OperatorPods;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator in-process against a real kube-apiserver, etcd and kube-controller-manager; the
 * test plays the kubelet with real store processes on loopback addresses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorIT {

    static final String NS = "kv-it";
    static final int FAILOVER_RUNS = Integer.getInteger("kv.operator.failover.runs", 10);
    /** The failover delay while two stores at a time are faulted: pauses outlast it, and recovery is bounded by it. */
    static final long FAULT_DELAY_MILLIS = 1000;

    private ControlPlane controlPlane;
    private KubernetesClient client;
    private FakeKubelet kubelet;
    private KvOperator operator;
    private KubernetesClient operatorClient;

    @BeforeAll
    void start() throws Exception {
        controlPlane = ControlPlane.withCrd();
        client = controlPlane.client;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        Path storeJar = Path.of(System.getProperty("kv.store.jar"));
        assertThat(storeJar).as("store binary; build it with mvn package").exists();
        // a fresh loopback /24 per run, so that leftovers of a crashed run cannot hold the addresses
        int subnet = 100 + new java.util.Random().nextInt(150);
        kubelet = new FakeKubelet(client, NS, storeJar, Files.createTempDirectory("kv-volumes"), subnet).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kubelet.close();
            try {
                controlPlane.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        // the operator runs with exactly the RBAC the Helm chart grants (namespaced variant), not as admin
        String rendered = Tools.helmTemplate(NS, "watchNamespaces={" + NS + "}");
        for (var object : client.load(new java.io.ByteArrayInputStream(rendered.getBytes())).items()) {
            if (!"Deployment".equals(object.getKind())) {
                client.resource(object).serverSideApply();
            }
        }
        operatorClient = controlPlane.as(NS, "kvcluster-operator");
        operator = new KvOperator(operatorClient, new SimpleMeterRegistry(), Set.of(NS), NS, false,
                OperatorPods.of(NS, "app.kubernetes.io/name=kvcluster-operator")).start();
    }

    @AfterAll
    void stop() throws Exception {
        if (operator != null) {
            operator.close();
            operatorClient.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
    }

    private KVCluster cluster(String name) {
        return client.resources(KVCluster.class).inNamespace(NS).withName(name).get();
    }

    /** A merge patch of alpha's spec, as kubectl patch --type merge does it: no read-modify-write race with the operator. */
    private void patchSpec(String specJson) {
        client.resources(KVCluster.class).inNamespace(NS).withName("alpha")
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":" + specJson + "}");
    }

    private KVCluster create(String name, int replicas) {
        KVCluster cluster = new KVCluster();
        cluster.getMetadata().setName(name);
        cluster.getMetadata().setNamespace(NS);
        cluster.getSpec().setReplicas(replicas);
        // a deleted primary pod fails over at once; the delay only covers a primary that stops answering,
        // and on 2 busy cores a freshly promoted store can take over a second to report ready
        cluster.getSpec().getFailover().setDelayMillis(3000);
        return client.resource(cluster).create();
    }

    private void awaitReady(String name, int replicas) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            KVCluster current = cluster(name);
            assertThat(current.getStatus().getPhase()).isEqualTo("Ready");
            assertThat(current.getStatus().getInstances()).hasSize(replicas);
            assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
        });
    }

    private List<String> urls(String name, int replicas) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            urls.add(kubelet.urlOf(KvNames.pod(name, i)));
        }
        return urls;
    }

    private Map<String, String> roleLabels(String name) {
        Map<String, String> roles = new java.util.TreeMap<>();
        for (Pod pod : client.pods().inNamespace(NS).withLabel(KvNames.CLUSTER_LABEL, name).list().getItems()) {
            roles.put(pod.getMetadata().getName(), pod.getMetadata().getLabels().get(KvNames.ROLE_LABEL));
        }
        return roles;
    }

    @Test
    @Order(1)
    void a_kvcluster_gets_its_objects_a_labelled_primary_and_becomes_ready() throws Exception {
        create("alpha", 3);
        awaitReady("alpha", 3);
        KVCluster alpha = cluster("alpha");
        assertThat(alpha.getStatus().getPrimary()).startsWith("alpha-");
        assertThat(alpha.getStatus().getEpoch()).isGreaterThanOrEqualTo(1);
        for (String service : List.of("alpha-rw", "alpha-ro", "alpha-r", "alpha-headless")) {
            var found = client.services().inNamespace(NS).withName(service).get();
            assertThat(found).as(service).isNotNull();
            assertThat(found.getMetadata().getOwnerReferences()).extracting("name").containsExactly("alpha");
        }
        assertThat(client.services().inNamespace(NS).withName("alpha-rw").get().getSpec().getSelector())
                .containsEntry(KvNames.ROLE_LABEL, "primary");
        assertThat(client.secrets().inNamespace(NS).withName("alpha-auth").get()).isNotNull();
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("alpha").get().getSpec().getReplicas()).isEqualTo(3);
        assertThat(client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("alpha").get()).isNotNull();
        var policy = client.network().v1().networkPolicies().inNamespace(NS).withName("alpha-network-policy").get();
        assertThat(policy.getMetadata().getOwnerReferences()).extracting("name").containsExactly("alpha");
        assertThat(policy.getSpec().getIngress()).extracting(rule -> rule.getPorts().stream()
                .map(port -> port.getPort().getIntVal()).toList())
                .containsExactly(List.of(7400, 7401), List.of(8080, 6379));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(roleLabels("alpha").values())
                .containsExactlyInAnyOrder("primary", "secondary", "secondary"));
        assertThat(roleLabels("alpha").get(cluster("alpha").getStatus().getPrimary())).isEqualTo("primary");
        assertThat(cluster("alpha").getStatus().getConditions())
                .filteredOn(condition -> condition.getType().equals("ClientAuthentication")).singleElement()
                .satisfies(condition -> {
                    assertThat(condition.getStatus()).isEqualTo("True");
                    assertThat(condition.getReason()).isEqualTo("UsersSecret");
                    assertThat(condition.getMessage()).contains("alpha-users");
                });
        // TLS by default: the stores became Ready through admin calls over TLS with the operator's certificate
        assertThat(cluster("alpha").getStatus().getConditions())
                .filteredOn(condition -> condition.getType().equals("TLS")).singleElement()
                .satisfies(condition -> {
                    assertThat(condition.getStatus()).isEqualTo("True");
                    assertThat(condition.getReason()).isEqualTo("OperatorCA");
                });
        var ca = client.secrets().inNamespace(NS).withName("alpha-ca").get();
        assertThat(ca.getData()).containsKeys("ca.crt", "ca.key");
        var tls = client.secrets().inNamespace(NS).withName("alpha-tls").get();
        assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(tls.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
        assertThat(client.configMaps().inNamespace(NS).withName("alpha-ca-cert").get().getData())
                .containsOnlyKeys("ca.crt").containsEntry("ca.crt", decoded(ca, "ca.crt"));
        assertThat(servedCertificate(KvNames.pod("alpha", 0)).getSubjectX500Principal().getName())
                .as("<name>.<namespace>: no cluster name can pass for the operator's kvstore-operator")
                .isEqualTo("CN=alpha.kv-it");
        assertThat(servedCertificate(KvNames.pod("alpha", 0), KvNames.HTTP_PORT).getSubjectX500Principal().getName())
                .as("the HTTP port, probed over HTTPS as the pod spec says").isEqualTo("CN=alpha.kv-it");
    }

    private static String decoded(io.fabric8.kubernetes.api.model.Secret secret, String key) {
        return new String(java.util.Base64.getDecoder().decode(secret.getData().get(key)),
                java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** The certificate a store shows on its Redis-protocol port now, checked against the cluster's CA. */
    private java.security.cert.X509Certificate servedCertificate(String pod) throws java.io.IOException {
        return servedCertificate(pod, KvNames.REDIS_PORT);
    }

    /** The certificate a store shows on {@code port} now, checked against the cluster's CA. */
    private java.security.cert.X509Certificate servedCertificate(String pod, int port) throws java.io.IOException {
        return shownCertificate(pod, port,
                client.configMaps().inNamespace(NS).withName("alpha-ca-cert").get().getData().get("ca.crt"));
    }

    @Test
    @Order(12)
    void turning_tls_off_and_on_again_restarts_the_stores_at_once_and_keeps_every_acknowledged_write() throws Exception {
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            kv.putWithRetry("tls-switch-" + i, ("v" + i).getBytes(), Duration.ofSeconds(10));
            written.add("tls-switch-" + i);
        }
        Map<String, String> uidsBefore = podUids("alpha");
        patchSpec("{\"tls\":{\"enabled\":false}}");
        awaitTls("alpha", "DisabledInSpec", false);
        awaitRemade("alpha", uidsBefore);
        awaitReady("alpha", 3);
        // the HTTP port follows: http now (a client of the https URLs finds no store), https again below
        assertThat(urls("alpha", 3)).allSatisfy(url -> assertThat(url).startsWith("http://"));
        kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        String plainPrimary = cluster("alpha").getStatus().getPrimary();
        assertThat(kv.get(urlOfPod(plainPrimary), "tls-switch-0").value()).as("the store answers").isPresent();
        assertThatThrownBy(() -> servedCertificate(plainPrimary)).as("and speaks plain TCP now")
                .isInstanceOf(javax.net.ssl.SSLException.class);
        for (int i = 10; i < 20; i++) {
            kv.putWithRetry("tls-switch-" + i, ("v" + i).getBytes(), Duration.ofSeconds(10));
            written.add("tls-switch-" + i);
        }

        Map<String, String> uidsPlain = podUids("alpha");
        patchSpec("{\"tls\":{\"enabled\":true}}");
        awaitTls("alpha", "OperatorCA", true);
        awaitRemade("alpha", uidsPlain);
        awaitReady("alpha", 3);
        assertThat(servedCertificate(cluster("alpha").getStatus().getPrimary()).getSubjectX500Principal().getName())
                .isEqualTo("CN=alpha.kv-it");
        assertThat(urls("alpha", 3)).allSatisfy(url -> assertThat(url).startsWith("https://"));
        kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        for (String key : written) {
            assertThat(kv.get(key).value().map(String::new)).as(key).contains("v" + key.substring("tls-switch-".length()));
        }
    }

    @Test
    @Order(12)
    void a_kvbackup_is_taken_from_a_secondary_into_s3_under_writes_and_restores_every_write_up_to_its_point() throws Exception {
        try (dev.kvstore.backup.S3Server s3 = new dev.kvstore.backup.S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-backups"));
            s3CredentialsSecret("s3-credentials");
            BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "backup", Duration.ofMinutes(3));
            try {
                // a backup of a cluster without spec.backup fails, saying what to set
                KVBackup early = kvBackup("alpha-early", "alpha");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(backup(early).getStatus())
                        .satisfies(status -> {
                            assertThat(status.getPhase()).isEqualTo("Failed");
                            assertThat(status.getMessage()).contains("has no spec.backup.s3");
                        }));
                patchSpec("{\"backup\":{\"s3\":{\"bucket\":\"kv-backups\",\"endpoint\":\"" + s3.endpoint
                        + "\",\"credentialsSecret\":\"s3-credentials\"}}}");
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > 200);
                String primary = cluster("alpha").getStatus().getPrimary();
                KVBackup taken = kvBackup("alpha-manual", "alpha");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertThat(backup(taken).getStatus().getPhase()).isEqualTo("Completed"));
                int atBackup = writer.acknowledged().size();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > atBackup + 200);
                long pointMillis = System.currentTimeMillis(); // a restore to this time comes below
                int atPoint = writer.acknowledged().size();
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > atPoint + 200);
                writer.stop();

                var status = backup(taken).getStatus();
                assertThat(status.getStore()).as("taken from a secondary, not the primary " + primary)
                        .startsWith("alpha-").isNotEqualTo(primary);
                assertThat(status.getManifest()).isEqualTo("s3://kv-backups/" + NS + "/alpha/" + status.getBackupName() + ".json");
                assertThat(client.v1().events().inNamespace(NS).list().getItems()).anySatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("alpha-manual");
                    assertThat(e.getReason()).isEqualTo("BackupCompleted");
                });
                // the backup in the storage, read back as kv does, is what the status says and whole
                var location = new dev.kvstore.backup.S3Location("kv-backups", NS + "/alpha", s3.endpoint, null,
                        new dev.kvstore.backup.S3Location.Credentials("kvtest", "kvtest-secret"), null);
                Path restoredDir = Files.createTempDirectory("kv-restored");
                Path snapshot;
                try (var storage = dev.kvstore.backup.BackupStorage.s3(location)) {
                    assertThat(storage.list(dev.kvstore.backup.Backups.MANIFEST)).containsExactly(status.getBackupName() + ".json");
                    var manifest = dev.kvstore.backup.Backups.manifest(storage, status.getBackupName());
                    assertThat(manifest.offset()).isEqualTo(status.getOffset());
                    assertThat(manifest.store()).isEqualTo(status.getStore());
                    snapshot = dev.kvstore.backup.Backups.fetchChecked(storage, manifest, restoredDir.resolve("fetched"));
                }
                Map<String, KvClient.Ack> acknowledged = Map.copyOf(writer.acknowledged());
                long covered = acknowledged.values().stream().filter(ack -> ack.offset() <= status.getOffset()).count();
                assertThat(covered).as("writes acknowledged at or before the backup's offset").isGreaterThan(200);
                assertThat(acknowledged.size() - covered).as("writes acknowledged after it").isGreaterThan(100);
                // restored into a store of its own: every write up to the backup's point, none after it
                // one store, so asynchronous: a sync write would wait for a secondary it does not have
                var settings = dev.kvstore.cli.local.LocalClusterSettings.defaults(1).withMode("async")
                        .with("kv.restore-from", snapshot.toString());
                try (var restored = new dev.kvstore.cli.local.LocalCluster(restoredDir.resolve("store"),
                        Path.of(System.getProperty("kv.store.jar")), freeBasePort(), settings, line -> { })) {
                    restored.start();
                    KvClient kv = restored.client(Duration.ofSeconds(5));
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> kv.put("after-restore",
                            "yes".getBytes()) != null);
                    List<String> missing = new ArrayList<>();
                    List<String> present = new ArrayList<>();
                    for (Map.Entry<String, KvClient.Ack> write : acknowledged.entrySet()) {
                        boolean inBackup = write.getValue().offset() <= status.getOffset();
                        boolean found = kv.get(write.getKey()).value().isPresent();
                        if (inBackup && !found) {
                            missing.add(write.getKey());
                        } else if (!inBackup && found) {
                            present.add(write.getKey());
                        }
                    }
                    assertThat(missing).as("acknowledged at or before the backup's offset, missing after the restore").isEmpty();
                    assertThat(present).as("acknowledged after the backup's offset, present after the restore").isEmpty();
                }
                System.out.printf("KVBackup from %s: %d keys up to offset %d, %d bytes; %d of %d acknowledged writes in it%n",
                        status.getStore(), status.getKeys(), status.getOffset(), status.getBytes(), covered, acknowledged.size());
                restoredIntoANewCluster(s3, status, acknowledged);
                restoredToAPointInTime(s3, location, pointMillis, acknowledged, Map.copyOf(writer.times()));
            } finally {
                writer.stop();
                patchSpec("{\"backup\":null}");
                client.resources(KVBackup.class).inNamespace(NS).delete();
            }
        }
    }

    @Test
    @Order(12)
    void a_backup_schedule_makes_kvbackups_and_keeps_the_last_ones_in_s3() throws Exception {
        try (dev.kvstore.backup.S3Server s3 = new dev.kvstore.backup.S3Server()) {
            s3.client().createBucket(b -> b.bucket("kv-scheduled"));
            s3CredentialsSecret("s3-scheduled-credentials");
            try {
                patchSpec("{\"backup\":{\"schedule\":\"61 * * * *\",\"s3\":{\"bucket\":\"kv-scheduled\",\"path\":"
                        + "\"nightly\",\"endpoint\":\"" + s3.endpoint + "\",\"credentialsSecret\":\"s3-scheduled-credentials\"}}}");
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster("alpha").getStatus().getConditions())
                        .filteredOn(c -> c.getType().equals("BackupSchedule")).singleElement().satisfies(c -> {
                            assertThat(c.getStatus()).isEqualTo("False");
                            assertThat(c.getReason()).isEqualTo("InvalidSchedule");
                            assertThat(c.getMessage()).contains("the minute 61 is outside 0-59");
                        }));
                // every 4 seconds, two kept
                patchSpec("{\"backup\":{\"schedule\":\"*/4 * * * * *\",\"keepLast\":2}}");
                Set<String> seen = ConcurrentHashMap.newKeySet();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    List<KVBackup> scheduled = client.resources(KVBackup.class).inNamespace(NS)
                            .withLabel(KVBackup.SCHEDULED_LABEL, "true").list().getItems();
                    assertThat(scheduled).as("scheduled backups").allSatisfy(b -> assertThat(b.getMetadata().getName())
                            .matches("alpha-\\d{14}"));
                    List<String> now = scheduled.stream().map(b -> b.getMetadata().getName()).toList();
                    seen.addAll(now);
                    assertThat(completedIn(scheduled)).hasSizeBetween(2, 3);
                    assertThat(seen).as("a scheduled backup seen before is gone (retention)").isNotEqualTo(Set.copyOf(now))
                            .containsAll(now);
                });
                patchSpec("{\"backup\":{\"schedule\":null}}");
                // what the storage lists is what the KVBackups say (retention deleted manifest and snapshot both)
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<KVBackup> scheduled = client.resources(KVBackup.class).inNamespace(NS)
                            .withLabel(KVBackup.SCHEDULED_LABEL, "true").list().getItems();
                    assertThat(scheduled).allSatisfy(b -> assertThat(b.getStatus().finished()).isTrue());
                    List<String> names = completedIn(scheduled);
                    assertThat(names).hasSize(2);
                    // the ones deleted are older than every one kept (their names sort as the times they were made)
                    String oldestKept = scheduled.stream().map(b -> b.getMetadata().getName()).sorted().findFirst().orElseThrow();
                    assertThat(seen.stream().filter(name -> scheduled.stream().noneMatch(b -> b.getMetadata().getName()
                            .equals(name)))).isNotEmpty().allSatisfy(gone -> assertThat(gone).isLessThan(oldestKept));
                    // the backups' objects (the log archived beside them is kvlog-*)
                    List<String> objects = s3.client().listObjectsV2(b -> b.bucket("kv-scheduled").prefix("nightly/"))
                            .contents().stream().map(o -> o.key().substring("nightly/".length()))
                            .filter(key -> !key.startsWith("kvlog")).sorted().toList();
                    assertThat(objects).containsExactlyInAnyOrderElementsOf(names.stream()
                            .flatMap(n -> java.util.stream.Stream.of(n + ".json", n + ".snapshot")).toList());
                });
            } finally {
                patchSpec("{\"backup\":null}");
                client.resources(KVBackup.class).inNamespace(NS).delete();
            }
        }
    }

    /**
     * A new KVCluster from the newest backup in alpha's folder: every store fetches it in its init container and
     * starts from it; the first primary takes writes in a later epoch; a store added afterwards fetches nothing
     * and joins from the primary.
     */
    private void restoredIntoANewCluster(dev.kvstore.backup.S3Server s3, dev.kvstore.operator.model.KVBackupStatus backup,
                                         Map<String, KvClient.Ack> acknowledged) throws Exception {
        GenericKubernetesResource restored = kvc("fromb", Map.of("replicas", 2, "failover", Map.of("delayMillis", 3000),
                "bootstrap", Map.of("fromBackup", Map.of("s3", Map.of("bucket", "kv-backups", "path", NS + "/alpha",
                        "endpoint", s3.endpoint, "credentialsSecret", "s3-credentials")))));
        client.resource(restored).create();
        try {
            awaitReady("fromb", 2);
            KVCluster fromb = cluster("fromb");
            assertThat(fromb.getStatus().getRestore()).satisfies(restore -> {
                assertThat(restore.getPhase()).isEqualTo("Restored");
                assertThat(restore.getBackupName()).as("the newest backup there").isEqualTo(backup.getBackupName());
                assertThat(restore.getOffset()).isEqualTo(backup.getOffset());
            });
            assertThat(fromb.getStatus().getEpoch()).as("the first epoch after the backup's").isGreaterThan(backup.getEpoch());
            assertThat(fromb.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Restored")).singleElement()
                    .satisfies(c -> assertThat(c.getReason() + " " + c.getStatus()).isEqualTo("Restored True"));
            for (String pod : List.of("fromb-0", "fromb-1")) {
                assertThat(kubelet.initRuns(pod)).as(pod + "'s init container").isPositive();
                assertThat(kubelet.dataOf(pod).resolve("restore").resolve(backup.getBackupName() + ".snapshot"))
                        .as("fetched by " + pod).exists();
                assertThat(kubelet.dataOf(pod).resolve("store").resolve("restored-from")).as(pod + " restored from it")
                        .content().contains("offset=" + backup.getOffset() + " ");
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(client.secrets().inNamespace(NS).withName("fromb-restore").get().getData())
                            .as("the fetch address, replaced by the mark once restored").doesNotContainKey("url")
                            .containsEntry("restored", java.util.Base64.getEncoder().encodeToString("true".getBytes())));
            KvClient kv = AnyServerTls.kv(urls("fromb", 2), Duration.ofSeconds(5));
            List<String> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            for (Map.Entry<String, KvClient.Ack> write : acknowledged.entrySet()) {
                boolean inBackup = write.getValue().offset() <= backup.getOffset();
                boolean found = kv.get(write.getKey()).value().isPresent();
                if (inBackup && !found) {
                    missing.add(write.getKey());
                } else if (!inBackup && found) {
                    present.add(write.getKey());
                }
            }
            assertThat(missing).as("acknowledged at or before the backup's offset, missing in the restored cluster").isEmpty();
            assertThat(present).as("acknowledged after the backup's offset, present in the restored cluster").isEmpty();
            KvClient.Ack next = kv.put("after-restore", "yes".getBytes());
            assertThat(next.epoch()).isGreaterThan(backup.getEpoch());
            // a store added now has nothing to fetch: it joins from the primary and holds the data
            client.resources(KVCluster.class).inNamespace(NS).withName("fromb").patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"spec\":{\"replicas\":3}}");
            awaitReady("fromb", 3);
            assertThat(kubelet.initRuns("fromb-2")).as("fromb-2's init container ran, and let the store start").isPositive();
            assertThat(kubelet.dataOf("fromb-2").resolve("restore")).as("fromb-2 fetched nothing").doesNotExist();
            String someCovered = acknowledged.entrySet().stream().filter(w -> w.getValue().offset() <= backup.getOffset())
                    .map(Map.Entry::getKey).findFirst().orElseThrow();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
                assertThat(kv.get(kubelet.urlOf("fromb-2"), someCovered).value()).as("fromb-2 holds " + someCovered).isPresent();
                assertThat(kv.get(kubelet.urlOf("fromb-2"), "after-restore").value()).isPresent();
            });
        } finally {
            client.resources(KVCluster.class).inNamespace(NS).withName("fromb").delete();
        }
    }

    /**
     * A new KVCluster restored to a time after alpha's backup, from it and the log alpha's operator archived beside
     * it (spec.backup.archiveEverySeconds, 10 by default): every write acknowledged at or before the time is there,
     * none sent after it; the archived log's object made for the pods goes once the cluster is restored.
     */
    private void restoredToAPointInTime(dev.kvstore.backup.S3Server s3, dev.kvstore.backup.S3Location location,
                                        long pointMillis, Map<String, KvClient.Ack> acknowledged,
                                        Map<String, long[]> times) throws Exception {
        long lastAck = times.values().stream().mapToLong(t -> t[1]).max().orElseThrow();
        try (var storage = dev.kvstore.backup.BackupStorage.s3(location)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                var head = dev.kvstore.backup.LogArchiver.head(storage);
                return head != null && head.throughMillis() > lastAck;
            });
        }
        assertThat(cluster("alpha").getStatus().getConditions()).filteredOn(c -> c.getType().equals("LogArchived"))
                .singleElement().satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("True");
                    assertThat(c.getMessage()).contains("complete through");
                });
        String target = java.time.Instant.ofEpochMilli(pointMillis).toString();
        Map<String, Object> s3Spec = Map.of("bucket", "kv-backups", "path", NS + "/alpha", "endpoint", s3.endpoint,
                "credentialsSecret", "s3-credentials");
        // a time and a position at once: refused by the API server
        GenericKubernetesResource both = kvc("pitr", Map.of("replicas", 2, "bootstrap", Map.of("fromBackup",
                Map.of("s3", s3Spec, "targetTime", target, "targetPosition", "1:5"))));
        assertThatThrownBy(() -> client.resource(both).create()).hasMessageContaining("targetTime or targetPosition");
        client.resource(kvc("pitr", Map.of("replicas", 2, "failover", Map.of("delayMillis", 3000),
                "bootstrap", Map.of("fromBackup", Map.of("s3", s3Spec, "targetTime", target))))).create();
        try {
            awaitReady("pitr", 2);
            var restore = cluster("pitr").getStatus().getRestore();
            assertThat(restore.getPhase()).isEqualTo("Restored");
            assertThat(restore.getTarget()).isEqualTo(target);
            assertThat(restore.getLogSegments()).as("archived segments replayed").isPositive();
            assertThat(kubelet.dataOf("pitr-0").resolve("restore").resolve(restore.getBackupName() + ".kvlog"))
                    .as("the archived log fetched by the init container").exists();
            KvClient kv = AnyServerTls.kv(urls("pitr", 2), Duration.ofSeconds(5));
            kv.put("after-restore", "yes".getBytes());
            List<String> missing = new ArrayList<>();
            List<String> present = new ArrayList<>();
            long before = 0;
            long replayed = 0;
            long after = 0;
            for (Map.Entry<String, KvClient.Ack> write : acknowledged.entrySet()) {
                long[] sentAndAcked = times.get(write.getKey());
                boolean found = kv.get(write.getKey()).value().isPresent();
                if (sentAndAcked[1] <= pointMillis) {
                    before++;
                    replayed += write.getValue().offset() > restore.getOffset() ? 1 : 0;
                    if (!found) {
                        missing.add(write.getKey());
                    }
                } else if (sentAndAcked[0] > pointMillis) {
                    after++;
                    if (found) {
                        present.add(write.getKey());
                    }
                }
            }
            System.out.printf("restored to %s from %s and %d archived segments: %d writes before it checked (%d after the"
                    + " backup: replayed from the archive), %d after it%n", target, restore.getBackupName(),
                    restore.getLogSegments(), before, replayed, after);
            assertThat(replayed).as("writes after the backup and before the point").isGreaterThan(100);
            assertThat(after).isGreaterThan(100);
            assertThat(missing).as("acknowledged at or before " + target + ", missing in the restored cluster").isEmpty();
            assertThat(present).as("sent after " + target + ", present in the restored cluster").isEmpty();
            String bundle = restore.getLogObject();
            try (var storage = dev.kvstore.backup.BackupStorage.s3(location)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(storage.list(".kvlog-bundle"))
                        .as("the archived log written for the pods, gone once restored").doesNotContain(bundle));
            }
        } finally {
            client.resources(KVCluster.class).inNamespace(NS).withName("pitr").delete();
        }
    }

    private static List<String> completedIn(List<KVBackup> backups) {
        return backups.stream().filter(b -> b.getStatus() != null && "Completed".equals(b.getStatus().getPhase()))
                .map(b -> b.getStatus().getBackupName()).toList();
    }

    /** The keys spec.backup.s3.credentialsSecret names; moto takes any. */
    private void s3CredentialsSecret(String name) {
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name)
                .withNamespace(NS).endMetadata().addToStringData("accessKeyId", "kvtest")
                .addToStringData("secretAccessKey", "kvtest-secret").build()).create();
    }

    private KVBackup kvBackup(String name, String cluster) {
        KVBackup backup = new KVBackup();
        backup.getMetadata().setName(name);
        backup.getMetadata().setNamespace(NS);
        backup.getSpec().setCluster(cluster);
        return client.resource(backup).create();
    }

    private KVBackup backup(KVBackup backup) {
        return client.resources(KVBackup.class).inNamespace(NS).withName(backup.getMetadata().getName()).get();
    }

    private static int freeBasePort() throws java.io.IOException {
        // a local store opens its HTTP port and four more 100 apart: try bases until all five are free
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20_000 + new java.util.Random().nextInt(12_000);
            boolean free = true;
            for (int port = base; port <= base + 400 && free; port += 100) {
                try (var socket = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                    socket.setReuseAddress(true);
                } catch (java.io.IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new java.io.IOException("no free port range for a local store");
    }

    @Test
    @Order(12)
    void the_cluster_secret_is_rotated_on_request_under_writes_with_no_restart_and_no_refused_write() throws Exception {
        Map<String, String> uidsBefore = podUids("alpha");
        String before = decoded(client.secrets().inNamespace(NS).withName("alpha-auth").get(), "secret").strip();
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "rotate", Duration.ofMinutes(3));
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > 20);

        client.resources(KVCluster.class).inNamespace(NS).withName("alpha").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"kvstore.dev/rotate-secret\":\"first\"}}}");

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                assertThat(cluster("alpha").getStatus().getConditions())
                        .filteredOn(c -> c.getType().equals("SecretRotated")).singleElement()
                        .satisfies(c -> assertThat(c.getReason() + " " + c.getStatus()).isEqualTo("Rotated True")));
        int atRotation = writer.acknowledged().size();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > atRotation + 20);
        writer.stop();

        var secret = client.secrets().inNamespace(NS).withName("alpha-auth").get();
        String after = decoded(secret, "secret").strip();
        assertThat(after).doesNotContain("\n").isNotEqualTo(before).isNotEmpty();
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("kvstore.dev/rotated-for", "first")
                .doesNotContainKey("kvstore.dev/rotating-to");
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(5));
        for (String url : urls("alpha", 3)) {
            List<String> held = new ArrayList<>();
            kv.status(url).path("secretFingerprints").forEach(f -> held.add(f.asText()));
            assertThat(held).as(url).containsExactly(dev.kvstore.core.admin.ClusterSecrets.fingerprint(after));
        }
        assertThat(podUids("alpha")).as("no store restarted").isEqualTo(uidsBefore);
        System.out.printf("secret rotated under writes: %d acknowledged, %d refused, longest gap %d ms%n",
                writer.acknowledged().size(), writer.failures(), writer.longestGapMillis());
        assertThat(writer.failures()).as("writes refused during the rotation").isZero();
        for (String key : writer.acknowledged().keySet()) {
            assertThat(kv.get(key).value()).as(key).isPresent();
        }
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("SecretRotated"));
        // the operator signs with the new secret: it still sees every store
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster("alpha").getStatus().getInstances())
                .allSatisfy(i -> assertThat(i.getRole()).isIn("primary", "secondary")));
    }

    @Test
    @Order(12)
    void the_clusters_ca_is_replaced_on_request_under_writes_with_no_restart_and_no_refused_write() throws Exception {
        Map<String, String> uidsBefore = podUids("alpha");
        Map<String, Integer> restartsBefore = new java.util.HashMap<>();
        uidsBefore.keySet().forEach(pod -> restartsBefore.put(pod, kubelet.restartsOf(pod)));
        String primary = cluster("alpha").getStatus().getPrimary();
        var oldSecret = client.secrets().inNamespace(NS).withName("alpha-ca").get();
        var oldCa = dev.kvstore.core.tls.CertificateAuthority.fromPem(decoded(oldSecret, "ca.crt"), decoded(oldSecret, "ca.key"));
        // the clients of this test read the ConfigMap at each connection: a short grace (the default is for
        // clients that mount it and wait for their kubelet)
        patchSpec("{\"tls\":{\"caRotationGraceSeconds\":5}}");
        var secrets = dev.kvstore.core.admin.ClusterSecrets.parse(decoded(
                client.secrets().inNamespace(NS).withName("alpha-auth").get(), "secret"));
        // an admin client of the old CA (one whose key leaked, say), its connection to the primary kept alive
        var ofOld = oldCa.issue(KvNames.ADMIN_CLIENT, List.of(), List.of(), java.time.Instant.now(), Duration.ofHours(1));
        var keptAlive = new dev.kvstore.core.admin.AdminClient(secrets, Duration.ofSeconds(5), url -> null,
                dev.kvstore.core.tls.SslContexts.forClusterMembers(oldCa.certificatePem(), ofOld.certificatePem(), ofOld.keyPem()));
        String primaryAdmin = "https://" + kubelet.ipOf(primary) + ":" + KvNames.ADMIN_PORT;
        assertThat(keptAlive.status(primaryAdmin).role()).isEqualTo("primary");
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "ca-rotate", Duration.ofMinutes(3));
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > 20);
        // a client that reads the ConfigMap before each new connection never fails a handshake on the way
        List<String> refusedHandshakes = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        // a round every 50 ms, one after the other (a fixed delay: rounds never overlap)
        var connector = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicLong keptAliveAt = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        connector.scheduleWithFixedDelay(() -> {
            for (String pod : uidsBefore.keySet()) {
                String bundle;
                try {
                    bundle = client.configMaps().inNamespace(NS).withName("alpha-ca-cert").get().getData().get("ca.crt");
                } catch (RuntimeException apiServerBusy) {
                    continue; // not a handshake: asked again
                }
                try {
                    shownCertificate(pod, KvNames.REDIS_PORT, bundle);
                    handshakes.incrementAndGet();
                } catch (Exception e) {
                    refusedHandshakes.add(pod + ": " + e);
                }
            }
            if (System.nanoTime() - keptAliveAt.get() > Duration.ofSeconds(10).toNanos()) {
                // within the admin port's idle timeout (60 s): the old CA's connection stays open through the
                // rotation (answered 200 until the end, 403 after)
                keptAliveAt.set(System.nanoTime());
                try {
                    keptAlive.status(primaryAdmin);
                } catch (java.io.IOException refusedOnceRotated) {
                    // the check comes after the rotation
                }
            }
        }, 0, 50, java.util.concurrent.TimeUnit.MILLISECONDS);

        client.resources(KVCluster.class).inNamespace(NS).withName("alpha").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"metadata\":{\"annotations\":{\"kvstore.dev/rotate-ca\":\"first\"}}}");
        // step 1: clients are given both CAs while every store still shows a certificate of the old one
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                dev.kvstore.core.tls.CertificateAuthority.Pem.certificates(client.configMaps().inNamespace(NS)
                        .withName("alpha-ca-cert").get().getData().get("ca.crt")).size() == 2);
        assertThat(shownCertificate(primary, KvNames.REDIS_PORT, oldCa.certificatePem()).getIssuerX500Principal().getName())
                .as("no certificate of the new CA before clients may trust it").isEqualTo(oldCa.subject());
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                assertThat(cluster("alpha").getStatus().getConditions())
                        .filteredOn(c -> c.getType().equals("CARotated")).singleElement()
                        .satisfies(c -> assertThat(c.getReason() + " " + c.getStatus()).isEqualTo("Rotated True")));
        int atRotation = writer.acknowledged().size();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > atRotation + 20);
        writer.stop();
        connector.shutdown();
        assertThat(connector.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        System.out.printf("CA rotation: %d TLS handshakes trusting the ConfigMap of their moment, %d refused%n",
                handshakes.get(), refusedHandshakes.size());
        assertThat(refusedHandshakes).as("handshakes of clients that read the ConfigMap").isEmpty();
        assertThat(handshakes.get()).isGreaterThan(10);

        var newSecret = client.secrets().inNamespace(NS).withName("alpha-ca").get();
        String newPem = decoded(newSecret, "ca.crt");
        var newCa = dev.kvstore.core.tls.CertificateAuthority.fromPem(newPem, decoded(newSecret, "ca.key"));
        assertThat(newCa.subject()).isNotEqualTo(oldCa.subject());
        assertThat(newSecret.getData()).as("the new CA alone is kept").containsOnlyKeys("ca.crt", "ca.key");
        assertThat(newSecret.getMetadata().getAnnotations()).containsEntry("kvstore.dev/ca-rotated-for", "first")
                .doesNotContainKey("kvstore.dev/ca-rotation-step");
        String published = client.configMaps().inNamespace(NS).withName("alpha-ca-cert").get().getData().get("ca.crt");
        assertThat(published).as("clients trust the new CA, and no longer the old").contains(newPem)
                .doesNotContain(oldCa.certificatePem());
        var tlsSecret = client.secrets().inNamespace(NS).withName("alpha-tls").get();
        assertThat(decoded(tlsSecret, "ca.crt")).as("the stores trust the new CA alone").isEqualTo(newPem);

        var ofNew = newCa.issue(KvNames.ADMIN_CLIENT, List.of(), List.of(), java.time.Instant.now(), Duration.ofHours(1));
        var admin = new dev.kvstore.core.admin.AdminClient(secrets, Duration.ofSeconds(5), url -> null,
                dev.kvstore.core.tls.SslContexts.forClusterMembers(newPem, ofNew.certificatePem(), ofNew.keyPem()));
        var adminOfOldCa = new dev.kvstore.core.admin.AdminClient(secrets, Duration.ofSeconds(5), url -> null,
                dev.kvstore.core.tls.SslContexts.forClusterMembers(newPem, ofOld.certificatePem(), ofOld.keyPem()));
        // the old CA's connection kept alive from before calls nothing more
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> keptAlive.status(primaryAdmin))
                .isInstanceOfSatisfying(dev.kvstore.core.admin.AdminClient.AdminCallException.class,
                        e -> assertThat(e.status()).isEqualTo(403)));
        for (String pod : uidsBefore.keySet()) {
            // the reload of the mounted Secret is the stores' own (every 500 ms here): the old CA goes within it
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                assertThat(shownCertificate(pod, KvNames.REDIS_PORT, newPem).getIssuerX500Principal().getName())
                        .as(pod + " shows a certificate of the new CA").isEqualTo(newCa.subject());
                String adminUrl = "https://" + kubelet.ipOf(pod) + ":" + KvNames.ADMIN_PORT;
                assertThat(admin.status(adminUrl).role()).as(pod + " takes the operator's new certificate").isNotNull();
                assertThatThrownBy(() -> adminOfOldCa.status(adminUrl))
                        .as(pod + " refuses a certificate of the old CA, whose key may have leaked")
                        .isInstanceOf(java.io.IOException.class);
            });
        }

        System.out.printf("CA rotated under writes: %d acknowledged, %d refused, longest gap %d ms%n",
                writer.acknowledged().size(), writer.failures(), writer.longestGapMillis());
        assertThat(writer.failures()).as("writes refused during the rotation").isZero();
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(5));
        for (String key : writer.acknowledged().keySet()) {
            assertThat(kv.get(key).value()).as(key).isPresent();
        }
        assertThat(podUids("alpha")).as("no pod made again").isEqualTo(uidsBefore);
        restartsBefore.forEach((pod, restarts) -> assertThat(kubelet.restartsOf(pod)).as(pod + " not restarted")
                .isEqualTo(restarts));
        assertThat(cluster("alpha").getStatus().getPrimary()).as("no failover on the way").isEqualTo(primary);
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("CARotated"));
        // the replication connections made with the old CA's certificates are closed (one every 2 s) and made
        // again with the new one's: a CA taken away grants nothing, not even a connection made before
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(kubelet.logOf(primary))
                .contains("a certificate of its handshake is of a CA rotated away"));
        kv.putWithRetry("after-ca-rotation", "v".getBytes(), Duration.ofSeconds(10));
        awaitReady("alpha", 3);
        for (String pod : uidsBefore.keySet()) {
            await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() ->
                    assertThat(kv.get(urlOfPod(pod), "after-ca-rotation").value()).as(pod).isPresent());
        }
    }

    @Test
    @Order(12)
    void the_http_port_switch_takes_the_http_and_metrics_ports_out_of_tls_and_back_one_store_at_a_time() throws Exception {
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "http-switch", Duration.ofMinutes(5));
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > 20);
        Map<String, String> uidsTls = podUids("alpha");

        patchSpec("{\"tls\":{\"http\":false}}");
        awaitRemade("alpha", uidsTls);
        awaitReady("alpha", 3);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(urls("alpha", 3)).allSatisfy(url -> assertThat(url).startsWith("http://")));
        var template = client.apps().statefulSets().inNamespace(NS).withName("alpha").get().getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertThat(template.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("KV_HTTP_TLS");
            assertThat(env.getValue()).isEqualTo("false");
        });
        assertThat(template.getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
        String primary = cluster("alpha").getStatus().getPrimary();
        assertThat(servedCertificate(primary).getSubjectX500Principal().getName()).as("the Redis port keeps TLS")
                .isEqualTo("CN=alpha.kv-it");
        assertThat(plainScrape(primary)).as("metrics in clear").startsWith("# HELP");

        Map<String, String> uidsPlainHttp = podUids("alpha");
        patchSpec("{\"tls\":{\"http\":null}}");
        awaitRemade("alpha", uidsPlainHttp);
        awaitReady("alpha", 3);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(urls("alpha", 3)).allSatisfy(url -> assertThat(url).startsWith("https://")));
        String primaryAgain = cluster("alpha").getStatus().getPrimary();
        assertThat(servedCertificate(primaryAgain, KvNames.MANAGEMENT_PORT).getSubjectX500Principal().getName())
                .as("the metrics port is back on TLS").isEqualTo("CN=alpha.kv-it");
        assertThatThrownBy(() -> plainScrape(primaryAgain)).isInstanceOf(java.io.IOException.class);
        int atEnd = writer.acknowledged().size();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledged().size() > atEnd + 20);
        writer.stop();

        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(5));
        List<String> missing = new ArrayList<>();
        for (String key : writer.acknowledged().keySet()) {
            if (kv.get(key).value().isEmpty()) {
                missing.add(key);
            }
        }
        System.out.printf("http switch off and on: %d acknowledged, %d refused or unreachable (the writer keeps the URLs it began with, https), longest gap %d ms%n",
                writer.acknowledged().size(), writer.failures(), writer.longestGapMillis());
        assertThat(missing).as("acknowledged writes missing after two rolling restarts").isEmpty();
    }

    /** A scrape of a store's metrics port in clear; an IOException when that port speaks TLS. */
    private String plainScrape(String pod) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://" + kubelet.ipOf(pod) + ":" + KvNames.MANAGEMENT_PORT + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private Map<String, String> podUids(String name) {
        Map<String, String> uids = new java.util.TreeMap<>();
        for (Pod pod : client.pods().inNamespace(NS).withLabel(KvNames.CLUSTER_LABEL, name).list().getItems()) {
            uids.put(pod.getMetadata().getName(), pod.getMetadata().getUid());
        }
        return uids;
    }

    /** Until every pod of the cluster is one made since {@code before} was taken (and all are there). */
    private void awaitRemade(String name, Map<String, String> before) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Map<String, String> now = podUids(name);
            assertThat(now).hasSameSizeAs(before);
            assertThat(now.values()).as("every pod made again").doesNotContainAnyElementsOf(before.values());
        });
    }

    private String urlOfPod(String pod) {
        return kubelet.urlOf(pod);
    }

    private void awaitTls(String name, String reason, boolean inForce) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                assertThat(cluster(name).getStatus().getConditions()).filteredOn(c -> c.getType().equals("TLS"))
                        .singleElement().satisfies(c -> {
                            assertThat(c.getReason()).isEqualTo(reason);
                            assertThat(c.getStatus()).isEqualTo(inForce ? "True" : "False");
                        }));
    }

    @Test
    @Order(12)
    void a_store_certificate_due_for_renewal_is_issued_anew_and_served_without_a_restart() throws Exception {
        var ca = client.secrets().inNamespace(NS).withName("alpha-ca").get();
        var authority = dev.kvstore.core.tls.CertificateAuthority.fromPem(decoded(ca, "ca.crt"), decoded(ca, "ca.key"));
        // a certificate of the cluster's CA that expires in 3 days: within the default 7 days of renewal
        var expiring = authority.issue("alpha.kv-it", dev.kvstore.operator.resources.ClusterCertificates.dnsNames(cluster("alpha")),
                List.of("127.0.0.1"), java.time.Instant.now().minus(Duration.ofDays(87)), Duration.ofDays(90));
        java.math.BigInteger expiringSerial = dev.kvstore.core.tls.CertificateAuthority.Pem
                .certificate(expiring.certificatePem()).getSerialNumber();
        Map<String, Integer> restartsBefore = new java.util.HashMap<>();
        for (int i = 0; i < 3; i++) {
            restartsBefore.put(KvNames.pod("alpha", i), kubelet.restartsOf(KvNames.pod("alpha", i)));
        }
        String primary = cluster("alpha").getStatus().getPrimary();
        Map<String, String> uids = podUids("alpha");
        java.util.function.Function<String, String> base64 = text -> java.util.Base64.getEncoder()
                .encodeToString(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        client.secrets().inNamespace(NS).withName("alpha-tls").edit(secret -> {
            secret.getData().put("tls.crt", base64.apply(expiring.certificatePem()));
            secret.getData().put("tls.key", base64.apply(expiring.keyPem()));
            return secret;
        });

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            var renewed = dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(
                    decoded(client.secrets().inNamespace(NS).withName("alpha-tls").get(), "tls.crt"));
            assertThat(renewed.getSerialNumber()).isNotEqualTo(expiringSerial);
            assertThat(renewed.getNotAfter().toInstant()).isAfter(java.time.Instant.now().plus(Duration.ofDays(80)));
            assertThat(servedCertificate(primary).getSerialNumber()).as("served by the primary")
                    .isEqualTo(renewed.getSerialNumber());
        });
        for (var entry : restartsBefore.entrySet()) {
            assertThat(kubelet.restartsOf(entry.getKey())).as(entry.getKey() + " not restarted").isEqualTo(entry.getValue());
        }
        assertThat(cluster("alpha").getStatus().getPrimary()).isEqualTo(primary);
        assertThat(podUids("alpha")).as("no pod made again").isEqualTo(uids);
        awaitReady("alpha", 3);
    }

    @Test
    @Order(2)
    void deleting_the_primary_pod_promotes_a_secondary_and_loses_no_acknowledged_write() throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int run = 1; run <= FAILOVER_RUNS; run++) {
            awaitReady("alpha", 3);
            KVCluster before = cluster("alpha");
            String oldPrimary = before.getStatus().getPrimary();
            long oldEpoch = before.getStatus().getEpoch();
            Map<String, KvClient.Ack> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong firstNewAck = new AtomicLong();
            String prefix = "run" + run;
            Thread writer = new Thread(() -> {
                KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                for (int i = 0; writing.get() && System.nanoTime() < deadline; i++) {
                    String key = prefix + "-" + i;
                    try {
                        KvClient.Ack ack = kv.put(key, key.getBytes());
                        acknowledged.put(key, ack);
                        if (ack.epoch() > oldEpoch) {
                            firstNewAck.compareAndSet(0, System.nanoTime());
                        }
                    } catch (Exception e) {
                        // unknown outcome during the failover: not counted
                    }
                }
            });
            writer.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() > 50);
            long deletedAt = System.nanoTime();
            client.pods().inNamespace(NS).withName(oldPrimary).delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> firstNewAck.get() != 0);
            int afterFailover = acknowledged.size();
            await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() > afterFailover + 20);
            writing.set(false);
            writer.join();
            millis.add((firstNewAck.get() - deletedAt) / 1_000_000);

            // the new primary acknowledges writes a moment before the pass that promoted it writes the status
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(
                    () -> !oldPrimary.equals(cluster("alpha").getStatus().getPrimary()));
            KVCluster after = cluster("alpha");
            assertThat(after.getStatus().getEpoch()).isGreaterThan(oldEpoch);
            assertThat(after.getStatus().getPrimary()).isNotEqualTo(oldPrimary);
            // exactly one failover, in the next epoch: none spurious, no epoch handed out and wasted
            assertThat(after.getStatus().getEpoch()).isEqualTo(oldEpoch + 1);
            assertThat(after.getStatus().getLastFailovers()).filteredOn(f -> f.getEpoch() > oldEpoch).singleElement()
                    .satisfies(f -> {
                        assertThat(f.getFrom()).isEqualTo(oldPrimary);
                        // or, when the recreated pod's store answered before the pod's replacement was
                        // noticed, the shared health rule's words for a primary that lost its role
                        assertThat(f.getReason()).matches("primary pod (deleted|terminating)"
                                + "|primary answers as \\w+ in epoch \\d+, not as the primary of epoch \\d+");
                    });
            KvClient reader = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
            String primaryUrl = kubelet.urlOf(after.getStatus().getPrimary());
            List<String> lost = new ArrayList<>();
            for (String key : acknowledged.keySet()) {
                if (reader.get(primaryUrl, key).value().isEmpty()) {
                    lost.add(key);
                }
            }
            assertThat(lost).as("acknowledged writes missing after failover run " + run).isEmpty();
            // the deleted pod comes back and rejoins as a secondary
            awaitReady("alpha", 3);
            assertThat(roleLabels("alpha").get(oldPrimary)).isEqualTo("secondary");
            System.out.printf("operator failover run %d: %s -> %s, %d acknowledged writes kept, first new ack %d ms after delete%n",
                    run, oldPrimary, after.getStatus().getPrimary(), acknowledged.size(), millis.get(millis.size() - 1));
        }
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Failover"));
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.printf("operator failover, pod delete to first acknowledged write, %d runs: median %d ms, max %d ms, all %s%n",
                sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), millis);
    }

    @Test
    @Order(3)
    void a_primary_that_stops_answering_is_replaced_after_the_delay_and_follows_when_it_comes_back() throws Exception {
        awaitReady("alpha", 3);
        KVCluster before = cluster("alpha");
        String frozen = before.getStatus().getPrimary();
        long oldEpoch = before.getStatus().getEpoch();
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            kv.putWithRetry("frozen-" + i, "v".getBytes(), Duration.ofSeconds(10));
            acknowledged.add("frozen-" + i);
        }
        long stoppedAt = System.nanoTime();
        kubelet.signal(frozen, "STOP");
        long replacedAfterMillis;
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(
                    () -> !frozen.equals(cluster("alpha").getStatus().getPrimary()));
            replacedAfterMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
            for (int i = 50; i < 100; i++) {
                kv.putWithRetry("frozen-" + i, "v".getBytes(), Duration.ofSeconds(10));
                acknowledged.add("frozen-" + i);
            }
        } finally {
            kubelet.signal(frozen, "CONT");
        }
        KVCluster after = cluster("alpha");
        long delay = before.getSpec().getFailover().getDelayMillis();
        // the delay counts from the operator's last healthy answer, up to a pass (about 1 s) before the STOP
        assertThat(replacedAfterMillis).as("replaced long before the failover delay").isGreaterThan(delay - 1500);
        assertThat(after.getStatus().getEpoch()).isEqualTo(oldEpoch + 1);
        assertThat(after.getStatus().getLastFailovers()).last().satisfies(f -> {
            assertThat(f.getFrom()).isEqualTo(frozen);
            // the operator's own measure: silent for at least the delay since its last healthy answer
            java.util.regex.Matcher silent = java.util.regex.Pattern.compile("not answering for (\\d+) ms")
                    .matcher(f.getReason());
            assertThat(silent.find()).as(f.getReason()).isTrue();
            assertThat(Long.parseLong(silent.group(1))).isGreaterThanOrEqualTo(delay);
        });
        // woken up, the old primary acknowledges nothing in its old term: its secondaries moved on
        KvClient toOldPrimaryOnly = AnyServerTls.kv(List.of(kubelet.urlOf(frozen)), Duration.ofSeconds(2));
        assertThatThrownBy(() -> toOldPrimaryOnly.put("after-wakeup", "v".getBytes()))
                .isInstanceOf(java.io.IOException.class);
        // and the operator turns it into a secondary of the new primary, holding every acknowledged write
        awaitReady("alpha", 3);
        assertThat(roleLabels("alpha").get(frozen)).isEqualTo("secondary");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            for (String key : acknowledged) {
                assertThat(kv.get(kubelet.urlOf(after.getStatus().getPrimary()), key).value()).as(key).isPresent();
                assertThat(kv.get(kubelet.urlOf(frozen), key).value()).as(key + " on " + frozen).isPresent();
            }
        });
        System.out.printf("frozen primary %s replaced by %s %d ms after SIGSTOP (failover delay %d ms)%n", frozen,
                after.getStatus().getPrimary(), replacedAfterMillis, delay);
    }

    /** Sets (a JSON list) or removes (null) alpha's annotation kvstore.dev/fenced-pods, as kubectl kv fence does. */
    private void fencedPods(String jsonList) {
        String value = jsonList == null ? "null" : "\"" + jsonList.replace("\"", "\\\"") + "\"";
        client.resources(KVCluster.class).inNamespace(NS).withName("alpha")
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + KvNames.FENCED_PODS + "\":" + value + "}}}");
    }

    private static KVClusterStatus.Instance instance(KVCluster cluster, String pod) {
        return cluster.getStatus().getInstances().stream().filter(i -> i.getName().equals(pod)).findFirst().orElseThrow();
    }

    @Test
    @Order(4)
    void fencing_the_primary_switches_over_first_and_the_fenced_store_serves_nothing_until_unfenced() throws Exception {
        awaitReady("alpha", 3);
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            kv.putWithRetry("fence-before-" + i, "v".getBytes(), Duration.ofSeconds(10));
            keys.add("fence-before-" + i);
        }
        String fenced = cluster("alpha").getStatus().getPrimary();
        long epochBefore = cluster("alpha").getStatus().getEpoch();

        fencedPods("[\"" + fenced + "\"]");

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            KVCluster now = cluster("alpha");
            assertThat(now.getStatus().getPrimary()).isNotEqualTo(fenced);
            assertThat(instance(now, fenced).getFenced()).isTrue();
            assertThat(instance(now, fenced).getReady()).isFalse();
            assertThat(now.getStatus().getPhase()).as("the rest is whole").isEqualTo("Ready");
            assertThat(now.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Fenced");
                assertThat(c.getStatus()).isEqualTo("True");
                assertThat(c.getMessage()).contains(fenced + " fenced for maintenance");
            });
        });
        // a switchover, not a failover: nothing acknowledged was at risk
        assertThat(cluster("alpha").getStatus().getLastFailovers()).filteredOn(f -> f.getEpoch() > epochBefore)
                .allSatisfy(f -> assertThat(f.getReason()).startsWith("switchover")).isNotEmpty();
        String primary = cluster("alpha").getStatus().getPrimary();
        long frozen = instance(cluster("alpha"), fenced).getOffset();
        for (int i = 0; i < 50; i++) {
            kv.putWithRetry("fence-during-" + i, "v".getBytes(), Duration.ofSeconds(10));
            keys.add("fence-during-" + i);
        }
        // over several passes of the operator (one a second): the fenced store is not told to follow
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    KVCluster during = cluster("alpha");
                    assertThat(instance(during, fenced).getFenced()).isTrue();
                    assertThat(instance(during, fenced).getOffset()).as("the fenced store took no entry")
                            .isEqualTo(frozen).isLessThan(instance(during, primary).getOffset());
                });
        assertThatThrownBy(() -> kv.get(kubelet.urlOf(fenced), "fence-before-1"))
                .hasMessageContaining("fenced for maintenance");
        assertThat(roleLabels("alpha")).containsEntry(primary, KvNames.PRIMARY);

        fencedPods(null);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            KVCluster now = cluster("alpha");
            assertThat(instance(now, fenced).getFenced()).isNull();
            assertThat(now.getStatus().getPhase()).isEqualTo("Ready");
            assertThat(now.getStatus().getConditions()).anySatisfy(c -> {
                assertThat(c.getType()).isEqualTo("Fenced");
                assertThat(c.getStatus()).isEqualTo("False");
            });
            for (String key : keys) {
                assertThat(kv.get(kubelet.urlOf(fenced), key).value()).as(key).isPresent();
            }
        });
    }

    @Test
    @Order(4)
    void a_requested_switchover_moves_the_primary_and_loses_nothing() throws Exception {
        awaitReady("alpha", 3);
        KvClient kv = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        for (int i = 0; i < 100; i++) {
            kv.putWithRetry("switch-" + i, "v".getBytes(), Duration.ofSeconds(10));
        }
        String primary = cluster("alpha").getStatus().getPrimary();
        String target = List.of("alpha-0", "alpha-1", "alpha-2").stream().filter(p -> !p.equals(primary)).findFirst()
                .orElseThrow();
        patchSpec("{\"switchover\":{\"targetPod\":\"" + target + "\"}}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(cluster("alpha").getStatus().getPrimary()).isEqualTo(target));
        awaitReady("alpha", 3);
        // a new primary answers reads once its term is confirmed by its secondaries
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            for (int i = 0; i < 100; i++) {
                assertThat(kv.get(kubelet.urlOf(target), "switch-" + i).value()).isPresent();
            }
        });
        assertThat(cluster("alpha").getStatus().getLastFailovers()).last()
                .satisfies(f -> assertThat(f.getReason()).startsWith("switchover"));
        budgetsCountTheRolesAsLabelled("alpha", target);

        // and back: the labels then move in the other order of the pods' names
        patchSpec("{\"switchover\":{\"targetPod\":\"" + primary + "\"}}");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(cluster("alpha").getStatus().getPrimary()).isEqualTo(primary));
        awaitReady("alpha", 3);
        budgetsCountTheRolesAsLabelled("alpha", primary);
        patchSpec("{\"switchover\":null}");

        // a secondary labelled primary by someone else: the operator takes the label back, and the primary's budget,
        // which counted that pod while it bore the label, counts it no more
        String secondary = target;
        client.pods().inNamespace(NS).withName(secondary).edit(p -> {
            p.getMetadata().getLabels().put(KvNames.ROLE_LABEL, KvNames.PRIMARY);
            return p;
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.pods().inNamespace(NS)
                .withName(secondary).get().getMetadata().getLabels()).containsEntry(KvNames.ROLE_LABEL, KvNames.SECONDARY));
        budgetsCountTheRolesAsLabelled("alpha", primary);
    }

    /**
     * The disruption controller recounts a budget only for the budget a changed pod matches now, never the one it
     * matched before its labels moved: each budget must still end up counting the pods as they are labelled, or an
     * eviction checks a stale count (the primary's budget counting two primaries lets the primary be evicted).
     */
    private void budgetsCountTheRolesAsLabelled(String name, String primary) {
        // for 3 s on end: the counts from before a move can be the same numbers, seen before the controller reacted
        await().atMost(Duration.ofSeconds(25)).during(Duration.ofSeconds(3)).untilAsserted(() -> {
            var budgets = client.policy().v1().podDisruptionBudget().inNamespace(NS);
            var primaryBudget = budgets.withName(KvNames.primaryDisruptionBudget(name)).get().getStatus();
            var storesBudget = budgets.withName(name).get().getStatus();
            assertThat(client.pods().inNamespace(NS).withName(primary).get().getMetadata().getLabels())
                    .containsEntry(KvNames.ROLE_LABEL, KvNames.PRIMARY);
            assertThat(primaryBudget.getExpectedPods()).as("the primary's budget: " + primaryBudget).isEqualTo(1);
            assertThat(primaryBudget.getCurrentHealthy()).as("the primary's budget: " + primaryBudget).isEqualTo(1);
            assertThat(primaryBudget.getDisruptionsAllowed()).as("the primary's budget: " + primaryBudget).isZero();
            assertThat(storesBudget.getExpectedPods()).as("the secondaries' budget: " + storesBudget).isEqualTo(2);
            assertThat(storesBudget.getCurrentHealthy()).as("the secondaries' budget: " + storesBudget).isEqualTo(2);
            assertThat(storesBudget.getDisruptionsAllowed()).as("the secondaries' budget: " + storesBudget).isEqualTo(1);
        });
    }

    @Test
    @Order(4)
    void an_object_the_api_server_refuses_to_apply_stops_neither_a_failover_nor_the_other_objects() throws Exception {
        awaitReady("alpha", 3);
        String budget = KvNames.primaryDisruptionBudget("alpha");
        // another party (kubectl edit, a policy tool) sets maxUnavailable on the primary's budget: the operator's
        // apply of minAvailable beside it is invalid, and the API server answers 422 to every pass
        client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(budget).patch(
                new io.fabric8.kubernetes.client.dsl.base.PatchContext.Builder()
                        .withPatchType(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON).withFieldManager("kubectl-edit").build(),
                "[{\"op\":\"remove\",\"path\":\"/spec/minAvailable\"},"
                        + "{\"op\":\"add\",\"path\":\"/spec/maxUnavailable\",\"value\":0}]");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(condition("alpha", "ObjectsApplied")).satisfies(c -> {
                    assertThat(c.getStatus()).isEqualTo("False");
                    assertThat(c.getReason()).isEqualTo("ApplyRefused");
                    assertThat(c.getMessage()).contains("PodDisruptionBudget " + budget);
                }));
        // the objects after it in the pass are still applied: a Service deleted by hand comes back
        client.services().inNamespace(NS).withName(KvNames.readOnly("alpha")).delete();
        client.apps().statefulSets().inNamespace(NS).withName("alpha").edit(sts -> {
            sts.getMetadata().getLabels().remove("app.kubernetes.io/managed-by");
            return sts;
        });

        KVCluster before = cluster("alpha");
        String oldPrimary = before.getStatus().getPrimary();
        long oldEpoch = before.getStatus().getEpoch();
        client.pods().inNamespace(NS).withName(oldPrimary).delete();
        await("a failover while the budget's apply is refused").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> {
                    KVCluster now = cluster("alpha");
                    assertThat(now.getStatus().getEpoch()).isEqualTo(oldEpoch + 1);
                    assertThat(now.getStatus().getPrimary()).isNotEqualTo(oldPrimary);
                });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.services().inNamespace(NS).withName(KvNames.readOnly("alpha")).get()).isNotNull();
            assertThat(client.apps().statefulSets().inNamespace(NS).withName("alpha").get().getMetadata().getLabels())
                    .containsEntry("app.kubernetes.io/managed-by", "kv-operator");
        });
        assertThat(condition("alpha", "ObjectsApplied").getStatus()).isEqualTo("False");
        // said once, though every pass is refused (the API server's words differ from one answer to the next)
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .filteredOn(e -> "ApplyRefused".equals(e.getReason()) && "alpha".equals(e.getInvolvedObject().getName()))
                .hasSize(1);

        // once the other party lets go, the budget is the operator's again and the condition clears
        client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(budget).delete();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            assertThat(condition("alpha", "ObjectsApplied").getStatus()).isEqualTo("True");
            assertThat(client.policy().v1().podDisruptionBudget().inNamespace(NS).withName(budget).get()
                    .getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        });
        awaitReady("alpha", 3);
    }

    /** A condition of the cluster; an assertion error (which awaits retry) while it has none of that type. */
    private io.fabric8.kubernetes.api.model.Condition condition(String name, String type) {
        KVCluster current = cluster(name);
        if (current.getStatus() == null || current.getStatus().getConditions() == null) {
            throw new AssertionError(name + " has no status yet");
        }
        return current.getStatus().getConditions().stream().filter(c -> c.getType().equals(type))
                .findFirst().orElseThrow(() -> new AssertionError(name + " has no " + type + " condition yet"));
    }

    @Test
    @Order(5)
    void scaling_up_and_down_keeps_one_primary_and_every_store_following() {
        KVCluster before = cluster("alpha");
        patchSpec("{\"switchover\":null,\"replicas\":5}");
        awaitReady("alpha", 5);
        assertThat(roleLabels("alpha").values()).containsOnlyOnce("primary");
        patchSpec("{\"replicas\":3}");
        awaitReady("alpha", 3);
        assertThat(roleLabels("alpha")).hasSize(3);
        // the primary (one of the first three) stays through both: no failover, no new term
        assertThat(cluster("alpha").getStatus().getEpoch()).isEqualTo(before.getStatus().getEpoch());
        assertThat(cluster("alpha").getStatus().getPrimary()).isEqualTo(before.getStatus().getPrimary());
    }

    @Test
    @Order(6)
    void scaling_down_past_the_primary_switches_over_first_and_loses_nothing() throws Exception {
        patchSpec("{\"replicas\":5}");
        awaitReady("alpha", 5);
        patchSpec("{\"switchover\":{\"targetPod\":\"alpha-4\"}}");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> "alpha-4".equals(cluster("alpha").getStatus().getPrimary()));
        awaitReady("alpha", 5);
        long epochBefore = cluster("alpha").getStatus().getEpoch();
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 5), "shrink", Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.acknowledged().size() > 50);

        patchSpec("{\"replicas\":3,\"switchover\":null}");
        awaitReady("alpha", 3);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(roleLabels("alpha")).hasSize(3));
        int afterShrink = writer.acknowledged().size();
        await().atMost(Duration.ofSeconds(20)).until(() -> writer.acknowledged().size() > afterShrink + 50);
        writer.stop();

        KVCluster after = cluster("alpha");
        assertThat(after.getStatus().getPrimary()).isIn("alpha-0", "alpha-1", "alpha-2");
        // one planned switchover off alpha-4 before its pod went away, no failover
        assertThat(after.getStatus().getLastFailovers()).filteredOn(f -> f.getEpoch() > epochBefore).singleElement()
                .satisfies(f -> {
                    assertThat(f.getFrom()).isEqualTo("alpha-4");
                    assertThat(f.getReason()).startsWith("switchover");
                });
        KvClient reader = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        String primary = kubelet.urlOf(after.getStatus().getPrimary());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            for (String key : writer.acknowledged().keySet()) {
                assertThat(reader.get(primary, key).value()).as(key).isPresent();
            }
        });
        System.out.printf("scale 5 -> 3 past the primary: %d writes acknowledged, %d refused or unanswered, "
                + "longest time without an acknowledgement %d ms%n", writer.acknowledged().size(), writer.failures(),
                writer.longestGapMillis());
    }

    @Test
    @Order(7)
    void an_image_change_rolls_secondaries_first_then_switches_over_and_stays_writable() throws Exception {
        awaitReady("alpha", 3);
        String primaryBefore = cluster("alpha").getStatus().getPrimary();
        long epochBefore = cluster("alpha").getStatus().getEpoch();
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "roll", Duration.ofMinutes(3));
        patchSpec("{\"image\":\"kvstore/store:0.1.1\"}");
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            String revision = client.apps().statefulSets().inNamespace(NS).withName("alpha").get().getStatus().getUpdateRevision();
            assertThat(client.pods().inNamespace(NS).withLabel(KvNames.CLUSTER_LABEL, "alpha").list().getItems())
                    .hasSize(3).allSatisfy(p -> assertThat(p.getMetadata().getLabels()).containsEntry("controller-revision-hash", revision));
            assertThat(cluster("alpha").getStatus().getPhase()).isEqualTo("Ready");
        });
        writer.stop();
        Map<String, KvClient.Ack> acknowledged = writer.acknowledged();
        // one planned switchover off the outdated primary, and no failover
        assertThat(cluster("alpha").getStatus().getLastFailovers()).filteredOn(f -> f.getEpoch() > epochBefore)
                .singleElement().satisfies(f -> {
                    assertThat(f.getFrom()).isEqualTo(primaryBefore);
                    assertThat(f.getReason()).startsWith("switchover");
                });
        KvClient reader = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        String primary = kubelet.urlOf(cluster("alpha").getStatus().getPrimary());
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            for (String key : acknowledged.keySet()) {
                assertThat(reader.get(primary, key).value()).as(key).isPresent();
            }
        });
        System.out.printf("rolling update: %d writes acknowledged, %d refused or unanswered while stores restarted, "
                + "longest time without an acknowledgement %d ms%n", acknowledged.size(), writer.failures(),
                writer.longestGapMillis());
        assertThat(acknowledged).hasSizeGreaterThan(100);
    }

    /** Sets alpha's failover delay and waits until the operator has seen it (a pass observed the generation). */
    private void failoverDelay(long millis) {
        patchSpec("{\"failover\":{\"delayMillis\":" + millis + "}}");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            KVCluster current = cluster("alpha");
            assertThat(current.getSpec().getFailover().getDelayMillis()).isEqualTo(millis);
            assertThat(current.getStatus().getObservedGeneration()).isEqualTo(current.getMetadata().getGeneration());
        });
    }

    /**
     * After the last fault ended: within the failover delay plus 5 s a write is acknowledged and read
     * back from the primary, and exactly one store says it is the (unfenced) primary. Returns the time taken.
     */
    private long recovered(String key, long lastFaultEnded) {
        long within = FAULT_DELAY_MILLIS + 5_000;
        List<String> urls = urls("alpha", 3);
        await().atMost(Duration.ofMillis(within)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().untilAsserted(() -> {
            // a fresh client each try: it looks the primary up again
            KvClient kv = AnyServerTls.kv(urls, Duration.ofSeconds(1));
            kv.put(key, key.getBytes());
            assertThat(kv.get(key).value()).hasValueSatisfying(v -> assertThat(new String(v)).isEqualTo(key));
        });
        long took = (System.nanoTime() - lastFaultEnded) / 1_000_000;
        long left = Math.max(1, within - took);
        await().atMost(Duration.ofMillis(left)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(primariesSaid(urls)).as("stores that say they are the unfenced primary").hasSize(1));
        return took;
    }

    private static List<String> primariesSaid(List<String> urls) {
        KvClient kv = AnyServerTls.kv(urls, Duration.ofSeconds(1));
        List<String> primaries = new ArrayList<>();
        for (String url : urls) {
            try {
                var status = kv.status(url);
                if ("primary".equals(status.path("role").asText()) && !status.path("fenced").asBoolean()) {
                    primaries.add(url);
                }
            } catch (java.io.IOException e) {
                // a store that does not answer says nothing
            }
        }
        return primaries;
    }

    /** Every write acknowledged before and during the faults is on the primary once the cluster is whole again. */
    private void everyAcknowledgedWritePresent(Map<String, KvClient.Ack> acknowledged) {
        awaitReady("alpha", 3);
        KvClient reader = AnyServerTls.kv(urls("alpha", 3), Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            String primary = kubelet.urlOf(cluster("alpha").getStatus().getPrimary());
            List<String> missing = new ArrayList<>();
            for (String key : acknowledged.keySet()) {
                if (reader.get(primary, key).value().isEmpty()) {
                    missing.add(key);
                }
            }
            assertThat(missing).as("acknowledged writes missing").isEmpty();
        });
    }

    /** A killed store's fault ends when the kubelet has it running again and it answers. */
    private static long awaitAnswering(List<String> urls) {
        KvClient kv = AnyServerTls.kv(urls, Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            for (String url : urls) {
                kv.status(url);
            }
            return true;
        });
        return System.nanoTime();
    }

    private static void pause(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }

    @Test
    @Order(8)
    void overlapping_pauses_the_old_primary_woken_first_leave_a_primary() throws Exception {
        overlappingPauses(true);
    }

    @Test
    @Order(9)
    void overlapping_pauses_a_secondary_woken_first_leave_a_primary() throws Exception {
        overlappingPauses(false);
    }

    /**
     * Issue 10 against the operator: SIGSTOP the primary and 50 ms later a secondary; both stay frozen
     * past the failover delay; wake one, and the other 0.6 s later.
     */
    private void overlappingPauses(boolean primaryFirst) throws Exception {
        awaitReady("alpha", 3);
        failoverDelay(FAULT_DELAY_MILLIS);
        String primary = cluster("alpha").getStatus().getPrimary();
        String secondary = List.of("alpha-0", "alpha-1", "alpha-2").stream().filter(p -> !p.equals(primary))
                .findFirst().orElseThrow();
        String name = primaryFirst ? "pauses-primary-first" : "pauses-secondary-first";
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), name, Duration.ofMinutes(2));
        long lastFaultEnded;
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> writer.acknowledged().size() > 50);
            kubelet.signal(primary, "STOP");
            pause(50);
            kubelet.signal(secondary, "STOP");
            pause(FAULT_DELAY_MILLIS + 1_200);
            kubelet.signal(primaryFirst ? primary : secondary, "CONT");
            pause(600);
            kubelet.signal(primaryFirst ? secondary : primary, "CONT");
            lastFaultEnded = System.nanoTime();
        } finally {
            // never leave a store frozen for the tests after this one
            kubelet.signal(primary, "CONT");
            kubelet.signal(secondary, "CONT");
        }
        long took = recovered(name + "-probe", lastFaultEnded);
        writer.stop();
        everyAcknowledgedWritePresent(writer.acknowledged());
        System.out.printf("operator, overlapping pauses of %s and %s (%s woken first): write acknowledged and read back"
                + " %d ms after the last fault ended (failover delay %d ms); %d writes acknowledged, epoch %d, primary %s%n",
                primary, secondary, primaryFirst ? "primary" : "secondary", took, FAULT_DELAY_MILLIS,
                writer.acknowledged().size(), cluster("alpha").getStatus().getEpoch(), cluster("alpha").getStatus().getPrimary());
    }

    /**
     * Rounds of random overlapping faults (kill -9 or SIGSTOP) on two stores at a time, with random
     * starts and lengths; after each round's last fault ends (a frozen store woken, a killed one running
     * and answering again) the same as above must hold. -Dkv.operator.faults.seed replays a run,
     * -Dkv.operator.faults.rounds runs more.
     */
    @Test
    @Order(10)
    void random_overlapping_kills_and_pauses_on_two_stores_at_a_time_leave_a_primary() throws Exception {
        long seed = Long.getLong("kv.operator.faults.seed", System.nanoTime());
        int rounds = Integer.getInteger("kv.operator.faults.rounds", 3);
        java.util.Random random = new java.util.Random(seed);
        System.out.println("operator, random overlapping faults: seed " + seed + " (-Dkv.operator.faults.seed to replay), "
                + rounds + " rounds");
        awaitReady("alpha", 3);
        failoverDelay(FAULT_DELAY_MILLIS);
        BackgroundWriter writer = new BackgroundWriter(urls("alpha", 3), "random-faults", Duration.ofMinutes(10));
        List<Long> recoveries = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                awaitReady("alpha", 3);
                String primary = cluster("alpha").getStatus().getPrimary();
                List<String> victims = new ArrayList<>(List.of("alpha-0", "alpha-1", "alpha-2"));
                java.util.Collections.shuffle(victims, random);
                victims = victims.subList(0, 2);
                List<String> killed = new ArrayList<>();
                List<String> paused = new ArrayList<>();
                StringBuilder plan = new StringBuilder();
                try {
                    for (String victim : victims) {
                        boolean kill = random.nextBoolean();
                        plan.append(kill ? "kill " : "pause ").append(victim).append(victim.equals(primary) ? " (primary) " : " ");
                        if (kill) {
                            kubelet.kill(victim);
                            killed.add(victim);
                        } else {
                            kubelet.signal(victim, "STOP");
                            paused.add(victim);
                        }
                        pause(random.nextInt(800));
                    }
                    // pauses from a fraction of the delay to well past it
                    for (String victim : paused) {
                        pause(200 + random.nextInt((int) FAULT_DELAY_MILLIS + 1_000));
                        kubelet.signal(victim, "CONT");
                    }
                } finally {
                    for (String victim : paused) {
                        kubelet.signal(victim, "CONT");
                    }
                }
                long lastFaultEnded = killed.isEmpty() ? System.nanoTime()
                        : Math.max(System.nanoTime(), awaitAnswering(killed.stream().map(kubelet::urlOf).toList()));
                long took = recovered("random-probe-" + round, lastFaultEnded);
                recoveries.add(took);
                System.out.printf("operator, random faults round %d: %s-> write read back after %d ms%n", round, plan, took);
            }
        } finally {
            writer.stop();
            failoverDelay(3000); // the later tests expect the default delay, whatever happened here
        }
        everyAcknowledgedWritePresent(writer.acknowledged());
        System.out.printf("operator, random overlapping faults (seed %d): recoveries %s ms, %d writes acknowledged%n",
                seed, recoveries, writer.acknowledged().size());
    }

    static GenericKubernetesResource kvc(String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion("kvstore.dev/v1alpha1").withKind("KVCluster")
                .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withAdditionalProperties(Map.of("spec", spec)).build();
    }

    @Test
    @Order(11)
    void invalid_specs_are_rejected_by_the_api_server_with_a_message_that_says_what_to_change() {
        Map<Map<String, Object>, String> invalid = new java.util.LinkedHashMap<>();
        invalid.put(Map.of("replicas", 0), "spec.replicas in body should be greater than or equal to 1");
        invalid.put(Map.of("replicas", 10), "spec.replicas in body should be less than or equal to 9");
        invalid.put(Map.of("replicas", 3, "replication", Map.of("minSyncReplicas", 3)), "must be below spec.replicas");
        invalid.put(Map.of("replication", Map.of("minSyncReplicas", -1)), "minSyncReplicas in body should be greater than or equal to 0");
        invalid.put(Map.of("replication", Map.of("mode", "semi")), "spec.replication.mode in body should match");
        invalid.put(Map.of("replication", Map.of("mode", "async", "minSyncReplicas", 2)), "only means something in sync mode");
        invalid.put(Map.of("storage", Map.of("size", "lots")), "spec.storage.size in body should match");
        invalid.put(Map.of("failover", Map.of("delayMillis", 50)), "delayMillis in body should be greater than or equal to 200");
        invalid.put(Map.of("image", "has space"), "spec.image in body should match");
        invalid.put(Map.of("imagePullPolicy", "Sometimes"), "spec.imagePullPolicy in body should match");
        invalid.put(Map.of("podAntiAffinity", "sometimes"), "spec.podAntiAffinity in body should match");
        invalid.put(Map.of("secretName", "Bad_Name"), "spec.secretName in body should match");
        invalid.put(Map.of("switchover", Map.of("targetPod", "other-1")), "must name one of this cluster's pods");
        invalid.put(Map.of("replicas", "three"), "spec.replicas in body must be of type integer");
        invalid.put(Map.of("networkPolicy", Map.of("clientNamespaces", List.of("apps", "Not_A_Namespace"))),
                "spec.networkPolicy.clientNamespaces[1] in body should match");
        Map<String, Object> s3 = Map.of("bucket", "kv-backups", "credentialsSecret", "s3-credentials");
        invalid.put(Map.of("bootstrap", Map.of("fromBackup", Map.of("s3", s3))), "spec.bootstrap.fromBackup.s3.path is required");
        invalid.put(Map.of("bootstrap", Map.of("fromBackup", Map.of("s3", Map.of("bucket", "kv-backups", "path", "x")))),
                "credentialsSecret: Required value");
        invalid.put(Map.of("backup", Map.of("s3", s3, "keepLast", 0)), "keepLast in body should be greater than or equal to 1");
        invalid.put(Map.of("backup", Map.of("s3", Map.of("bucket", "Not A Bucket", "credentialsSecret", "c"))),
                "spec.backup.s3.bucket in body should match");
        invalid.forEach((spec, message) -> assertThatThrownBy(() -> client.resource(kvc("invalid", spec)).dryRun().create())
                .as("spec %s", spec).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining(message));
        assertThat(client.resource(kvc("valid", Map.of("replicas", 3))).dryRun().create()).isNotNull();
        assertThatThrownBy(() -> client.resource(kvc("alpha-primary", Map.of("replicas", 3))).dryRun().create())
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("a KVCluster's name may not end in -primary");
        // a backup is restored into a new cluster, never in place: spec.bootstrap cannot be added to alpha
        assertThatThrownBy(() -> patchSpec("{\"bootstrap\":{\"fromBackup\":{\"s3\":{\"bucket\":\"kv-backups\","
                + "\"path\":\"kv-it/alpha\",\"credentialsSecret\":\"s3-credentials\"}}}}"))
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("a backup is restored into a new KVCluster (another name, with spec.bootstrap.fromBackup), never in place");
        // nor a KVBackup with a store of another cluster
        KVBackup foreign = new KVBackup();
        foreign.getMetadata().setName("foreign");
        foreign.getMetadata().setNamespace(NS);
        foreign.getSpec().setCluster("alpha");
        foreign.getSpec().setStore("other-0");
        assertThatThrownBy(() -> client.resource(foreign).dryRun().create()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.store must name one of the cluster's pods");
        assertThat(invalid).hasSizeGreaterThanOrEqualTo(10);
    }

    /**
     * A larger spec.storage.size: the claims grow in place once their StorageClass allows it, and the condition says
     * how far they are; the StatefulSet keeps its claim template (the API server refuses a change of it, and before
     * this the whole update: every later change of the StatefulSet was refused with it), so every other change still
     * applies; no store restarts and writes go on. The real API server's own checks apply (only a bound claim of a
     * class that allows expansion may grow); the storage's resizer, which this control plane has not, is played by
     * the test: it writes the grown capacity into the volumes and the claims' status.
     */
    @Test
    @Order(12)
    void a_larger_volume_size_grows_the_claims_in_place_and_every_other_change_still_applies() throws Exception {
        String name = "vol";
        String storageClass = "kv-it-fixed";
        client.resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder().withNewMetadata()
                .withName(storageClass).endMetadata().withProvisioner("kubernetes.io/no-provisioner")
                .withAllowVolumeExpansion(false).withVolumeBindingMode("Immediate").build()).create();
        for (int i = 0; i < 2; i++) {
            // volumes made beforehand, each for its claim: this control plane provisions none
            client.resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder().withNewMetadata()
                    .withName("pv-" + name + "-" + i).endMetadata().withNewSpec()
                    .withCapacity(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")))
                    .withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
                    .withNewHostPath().withPath("/tmp/kv-it-" + name + "-" + i).endHostPath()
                    .withNewClaimRef().withNamespace(NS).withName("data-" + name + "-" + i).endClaimRef()
                    .endSpec().build()).create();
        }
        KVCluster cluster = new KVCluster();
        cluster.getMetadata().setName(name);
        cluster.getMetadata().setNamespace(NS);
        cluster.getSpec().setReplicas(2);
        cluster.getSpec().getFailover().setDelayMillis(3000);
        cluster.getSpec().getStorage().setSize("1Gi");
        cluster.getSpec().getStorage().setStorageClassName(storageClass);
        client.resource(cluster).create();
        awaitReady(name, 2);
        var claims = client.persistentVolumeClaims().inNamespace(NS);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            for (int i = 0; i < 2; i++) {
                assertThat(claims.withName("data-" + name + "-" + i).get().getStatus().getPhase()).isEqualTo("Bound");
            }
            assertThat(condition(name, "VolumesSized").getStatus()).isEqualTo("True");
        });
        Map<String, String> podsBefore = podUids(name);
        String statefulSetBefore = client.apps().statefulSets().inNamespace(NS).withName(name).get().getMetadata().getUid();
        long epochBefore = cluster(name).getStatus().getEpoch();
        BackgroundWriter writer = new BackgroundWriter(urls(name, 2), "grow", Duration.ofMinutes(3));
        java.util.function.Consumer<String> patch = json -> client.resources(KVCluster.class).inNamespace(NS).withName(name)
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":" + json + "}");
        patch.accept("{\"storage\":{\"size\":\"2Gi\"}}");

        // a class that does not allow expansion: the claims keep their size and the condition says what to do instead
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            var said = condition(name, "VolumesSized");
            assertThat(said.getStatus()).isEqualTo("False");
            assertThat(said.getReason()).isEqualTo("ExpansionNotAllowed");
            assertThat(said.getMessage()).contains("StorageClass " + storageClass, "data-vol-0, data-vol-1");
        });
        for (int i = 0; i < 2; i++) {
            assertThat(claims.withName("data-" + name + "-" + i).get().getSpec().getResources().getRequests().get("storage")
                    .toString()).isEqualTo("1Gi");
        }

        // the class allows it now: each claim is asked for the new size, within the 15 s between two reads of the
        // claims; the resizer's part, played here, ends it
        client.storage().v1().storageClasses().withName(storageClass).edit(c -> {
            c.setAllowVolumeExpansion(true);
            return c;
        });
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            for (int i = 0; i < 2; i++) {
                assertThat(claims.withName("data-" + name + "-" + i).get().getSpec().getResources().getRequests()
                        .get("storage").toString()).isEqualTo("2Gi");
            }
            assertThat(condition(name, "VolumesSized").getReason()).isEqualTo("Expanding");
        });
        for (int i = 0; i < 2; i++) {
            String claim = "data-" + name + "-" + i;
            // as the resizer does: the volume first, then the claim's status
            client.persistentVolumes().withName("pv-" + name + "-" + i).edit(v -> {
                v.getSpec().setCapacity(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi")));
                return v;
            });
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
                var current = claims.withName(claim).get();
                current.getStatus().setCapacity(Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi")));
                claims.resource(current).updateStatus();
            });
        }
        await().atMost(Duration.ofSeconds(40)).ignoreExceptions().untilAsserted(() -> {
            assertThat(condition(name, "VolumesSized").getStatus()).isEqualTo("True");
            assertThat(condition(name, "VolumesSized").getReason()).isEqualTo("AsSpecified");
        });

        // every other change of the StatefulSet still applies (before, the whole update was refused with the size)
        patch.accept("{\"replicas\":3}");
        awaitReady(name, 3);
        writer.stop();
        var statefulSet = client.apps().statefulSets().inNamespace(NS).withName(name).get();
        assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(3);
        assertThat(statefulSet.getMetadata().getUid()).as("the same StatefulSet").isEqualTo(statefulSetBefore);
        assertThat(condition(name, "ObjectsApplied").getStatus()).isEqualTo("True");
        assertThat(podUids(name)).as("no store restarted").containsAllEntriesOf(podsBefore);
        assertThat(cluster(name).getStatus().getEpoch()).as("no failover").isEqualTo(epochBefore);
        Map<String, KvClient.Ack> acknowledged = writer.acknowledged();
        assertThat(acknowledged).hasSizeGreaterThan(20);
        KvClient reader = AnyServerTls.kv(urls(name, 3), Duration.ofSeconds(2));
        String primary = kubelet.urlOf(cluster(name).getStatus().getPrimary());
        for (String key : acknowledged.keySet()) {
            assertThat(reader.get(primary, key).value()).as(key).isPresent();
        }
        System.out.printf("volume size change: %d writes acknowledged, %d refused or unanswered, longest time without an "
                + "acknowledgement %d ms%n", acknowledged.size(), writer.failures(), writer.longestGapMillis());
        // the third store's claim, made from the template at 1Gi, is asked for 2Gi once bound (no volume here: it
        // stays unbound, and the condition says so)
        await().atMost(Duration.ofSeconds(40)).ignoreExceptions().untilAsserted(() ->
                assertThat(condition(name, "VolumesSized").getMessage()).contains("data-vol-2 grown to 2Gi once bound"));

        // a volume never shrinks, and keeps its class
        assertThatThrownBy(() -> patch.accept("{\"storage\":{\"size\":\"1Gi\"}}"))
                .isInstanceOf(KubernetesClientException.class).hasMessageContaining("spec.storage.size cannot shrink");
        assertThatThrownBy(() -> patch.accept("{\"storage\":{\"storageClassName\":\"other\"}}"))
                .isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.storage.storageClassName cannot change");
        client.resources(KVCluster.class).inNamespace(NS).withName(name).delete();
        client.storage().v1().storageClasses().withName(storageClass).delete();
    }

    @Test
    @Order(12)
    void the_operator_account_can_do_its_job_and_no_more() throws Exception {
        String kubectl = Tools.bin().resolve("kubectl").toString();
        String as = "--as=system:serviceaccount:" + NS + ":kvcluster-operator";
        java.util.function.BiFunction<String, String, String> canI = (verb, resource) -> {
            try {
                return Tools.run(List.of("bash", "-c", kubectl + " --kubeconfig " + controlPlane.kubeconfig()
                        + " auth can-i " + as + " -n " + NS + " " + verb + " " + resource + " || true")).trim();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(canI.apply("patch", "kvclusters.kvstore.dev/status")).isEqualTo("yes");
        assertThat(canI.apply("create", "statefulsets.apps")).isEqualTo("yes");
        assertThat(canI.apply("delete", "pods")).isEqualTo("yes");
        assertThat(canI.apply("list", "secrets")).isEqualTo("no");
        assertThat(canI.apply("delete", "secrets")).isEqualTo("no");
        assertThat(canI.apply("delete", "statefulsets.apps")).isEqualTo("no");
        // a larger spec.storage.size grows the claims themselves
        assertThat(canI.apply("patch", "persistentvolumeclaims")).isEqualTo("yes");
        assertThat(canI.apply("delete", "persistentvolumeclaims")).isEqualTo("no");
        assertThat(canI.apply("get", "storageclasses.storage.k8s.io")).isEqualTo("yes");
        assertThat(canI.apply("patch", "storageclasses.storage.k8s.io")).isEqualTo("no");
        assertThat(canI.apply("create", "deployments.apps")).isEqualTo("no");
        // a node by name: is the primary's cordoned (a drain)? Never the list of them
        assertThat(canI.apply("get", "nodes")).isEqualTo("yes");
        assertThat(canI.apply("list", "nodes")).isEqualTo("no");
        assertThat(canI.apply("patch", "nodes")).isEqualTo("no");
    }

    /** The ports of each rule of the cluster's NetworkPolicy; an assertion error (which awaits retry) while none. */
    private List<List<Integer>> policyPorts(String name) {
        var policy = client.network().v1().networkPolicies().inNamespace(NS).withName(name + "-network-policy").get();
        if (policy == null) {
            throw new AssertionError(name + " has no NetworkPolicy");
        }
        return policy.getSpec().getIngress().stream().map(rule -> rule.getPorts().stream()
                        .map(port -> port.getPort().getIntVal()).toList()).toList();
    }

    @Test
    @Order(12)
    void the_network_policy_follows_the_spec_and_goes_when_turned_off() {
        var policies = client.network().v1().networkPolicies().inNamespace(NS);
        assertThat(condition("alpha", "NetworkPolicy").getStatus()).isEqualTo("True");
        assertThat(condition("alpha", "NetworkPolicy").getReason()).isEqualTo("Applied");
        patchSpec("{\"networkPolicy\":{\"clientNamespaces\":[\"apps\"],\"monitoringNamespaces\":[\"monitoring\"]}}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(policyPorts("alpha")).containsExactly(List.of(7400, 7401), List.of(8080, 6379), List.of(9000));
            assertThat(policies.withName("alpha-network-policy").get().getSpec().getIngress().get(2).getFrom())
                    .singleElement().satisfies(from -> assertThat(from.getNamespaceSelector().getMatchExpressions())
                            .singleElement().satisfies(e -> assertThat(e.getValues()).containsExactly("monitoring")));
        });

        patchSpec("{\"networkPolicy\":{\"enabled\":false}}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(policies.withName("alpha-network-policy").get()).isNull();
            assertThat(condition("alpha", "NetworkPolicy").getReason()).isEqualTo("DisabledInSpec");
        });

        // someone else's policy of that name meanwhile: left as it is, and said so
        policies.resource(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder()
                .withNewMetadata().withName("alpha-network-policy").withNamespace(NS).endMetadata()
                .withNewSpec().withNewPodSelector().withMatchLabels(Map.of("app", "other")).endPodSelector().endSpec()
                .build()).create();
        patchSpec("{\"networkPolicy\":null}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(condition("alpha", "NetworkPolicy").getReason()).isEqualTo("NameTaken"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            var theirs = policies.withName("alpha-network-policy").get();
            assertThat(theirs.getMetadata().getOwnerReferences()).as("not taken over").isNullOrEmpty();
            assertThat(theirs.getSpec().getPodSelector().getMatchLabels()).isEqualTo(Map.of("app", "other"));
        });

        policies.withName("alpha-network-policy").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(policyPorts("alpha")).as("back, as the spec now says").containsExactly(List.of(7400, 7401),
                    List.of(8080, 6379));
            assertThat(condition("alpha", "NetworkPolicy").getReason()).isEqualTo("Applied");
        });
    }

    @Test
    @Order(12)
    void a_cluster_made_before_network_policies_keeps_its_clients_until_its_spec_turns_the_policy_on() {
        // what an operator before NetworkPolicies left behind: a cluster and its StatefulSet without the admin
        // port. Made while no operator runs (the StatefulSet needs the cluster's uid for its owner reference).
        operator.close();
        KVCluster made = new KVCluster();
        made.getMetadata().setName("legacy");
        made.getMetadata().setNamespace(NS);
        made.getSpec().setReplicas(1);
        made.getSpec().getReplication().setMinSyncReplicas(0);
        made = client.resource(made).create();
        // and without TLS, which that operator did not have either
        var legacy = dev.kvstore.operator.resources.ClusterResources.statefulSet(made, 0, true, false);
        legacy.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()
                .removeIf(port -> port.getName().equals("admin") || port.getName().equals("management"));
        client.resource(legacy).create();
        // the operator of this release takes over (without leader election: the old one's lease may linger)
        operator = new KvOperator(operatorClient, new SimpleMeterRegistry(), Set.of(NS), null, false,
                OperatorPods.of(NS, "app.kubernetes.io/name=kvcluster-operator")).start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(cluster("legacy").getMetadata().getAnnotations())
                    .containsKey("kvstore.dev/made-before-network-policies");
            assertThat(condition("legacy", "NetworkPolicy").getReason()).isEqualTo("KeptOpenSinceBefore");
            assertThat(client.apps().statefulSets().inNamespace(NS).withName("legacy").get().getSpec().getTemplate()
                    .getSpec().getContainers().get(0).getPorts()).as("now this release's StatefulSet")
                    .extracting("name").contains("admin");
        });
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("NetworkPolicyOff"));
        assertThat(cluster("legacy").getStatus().getConditions()).filteredOn(c -> c.getType().equals("TLS")).singleElement()
                .satisfies(c -> assertThat(c.getReason()).isEqualTo("KeptOffSinceBefore"));
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("TLSOff"));
        assertThat(client.secrets().inNamespace(NS).withName("legacy-tls").get()).as("no certificate for plain stores").isNull();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client
                .network().v1().networkPolicies().inNamespace(NS).withName("legacy-network-policy").get()).isNull());

        client.resources(KVCluster.class).inNamespace(NS).withName("legacy").patch(
                io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                "{\"spec\":{\"networkPolicy\":{\"enabled\":true}}}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(policyPorts("legacy")).containsExactly(List.of(7400, 7401), List.of(8080, 6379));
            assertThat(condition("legacy", "NetworkPolicy").getReason()).isEqualTo("Applied");
        });
        client.resources(KVCluster.class).inNamespace(NS).withName("legacy").delete();
    }

    @Test
    @Order(12)
    void a_ca_secret_someone_else_made_under_the_clusters_name_is_never_taken_and_the_cluster_waits() {
        // a Secret named <name>-ca made before the cluster by someone else (who holds its key): taking it as
        // the cluster's CA would let them mint certificates the stores and the operator trust
        var foreignCa = dev.kvstore.core.tls.CertificateAuthority.create("someone-elses-ca", java.time.Instant.now(),
                Duration.ofDays(365));
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("foreign-ca")
                .withNamespace(NS).endMetadata()
                .withStringData(Map.of("ca.crt", foreignCa.certificatePem(), "ca.key", foreignCa.keyPem())).build()).create();
        var before = client.secrets().inNamespace(NS).withName("foreign-ca").get();
        KVCluster made = new KVCluster();
        made.getMetadata().setName("foreign");
        made.getMetadata().setNamespace(NS);
        made.getSpec().setReplicas(1);
        made.getSpec().getReplication().setMinSyncReplicas(0);
        client.resource(made).create();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                assertThat(cluster("foreign").getStatus().getConditions()).filteredOn(c -> c.getType().equals("TLS"))
                        .singleElement().satisfies(c -> {
                            assertThat(c.getStatus()).isEqualTo("False");
                            assertThat(c.getReason()).isEqualTo("CertificateError");
                            assertThat(c.getMessage()).contains("not one the operator made for this cluster");
                        }));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(client.apps().statefulSets().inNamespace(NS).withName("foreign").get())
                    .as("no store started on a CA that is not the cluster's").isNull();
            assertThat(client.secrets().inNamespace(NS).withName("foreign-tls").get()).as("nothing issued from it").isNull();
        });
        assertThat(client.secrets().inNamespace(NS).withName("foreign-ca").get().getMetadata().getResourceVersion())
                .as("left as it was").isEqualTo(before.getMetadata().getResourceVersion());
        client.resources(KVCluster.class).inNamespace(NS).withName("foreign").delete();
        client.secrets().inNamespace(NS).withName("foreign-ca").delete();
    }

    @Test
    @Order(12)
    void the_client_ports_show_the_users_certificate_once_its_secret_is_good_renewed_without_a_restart()
            throws Exception {
        var users = dev.kvstore.core.tls.CertificateAuthority.create("users-ca", java.time.Instant.now().minus(Duration.ofHours(1)),
                Duration.ofDays(365));
        KVCluster made = new KVCluster();
        made.getMetadata().setName("webcert");
        made.getMetadata().setNamespace(NS);
        made.getSpec().setReplicas(2);
        made.getSpec().getReplication().setMinSyncReplicas(1);
        var tls = new dev.kvstore.operator.model.KVClusterSpec.Tls();
        tls.setServerSecret("webcert-clients");
        made.getSpec().setTls(tls);
        client.resource(made).create();
        try {
            clientPortsShowTheUsersCertificate(users);
        } finally {
            // never left behind for the tests after this one, whatever happened
            client.resources(KVCluster.class).inNamespace(NS).withName("webcert").delete();
            client.secrets().inNamespace(NS).withName("webcert-clients").delete();
        }
    }

    private void clientPortsShowTheUsersCertificate(dev.kvstore.core.tls.CertificateAuthority users) throws Exception {

        // named before it exists (cert-manager not done yet): the cluster waits and says why
        awaitTlsCondition("webcert", "ServerSecretInvalid", "Secret webcert-clients not found in namespace " + NS);
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("webcert").get()).as("no store without it").isNull();
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ServerSecretInvalid"));

        java.math.BigInteger first = writeClientSecret(users, "webcert-clients");
        awaitReady("webcert", 2);
        awaitTlsCondition("webcert", "ServerSecret", "show the certificate of Secret webcert-clients");
        String primary = cluster("webcert").getStatus().getPrimary();
        String secondary = KvNames.pod("webcert", 0).equals(primary) ? KvNames.pod("webcert", 1) : KvNames.pod("webcert", 0);
        for (String pod : List.of(primary, secondary)) {
            assertThat(shownCertificate(pod, KvNames.REDIS_PORT, users.certificatePem()).getSerialNumber())
                    .as(pod + ": the Redis-protocol port").isEqualTo(first);
            assertThat(shownCertificate(pod, KvNames.HTTP_PORT, users.certificatePem()).getSerialNumber())
                    .as(pod + ": the HTTP port").isEqualTo(first);
        }
        String clusterCa = decoded(client.secrets().inNamespace(NS).withName("webcert-ca").get(), "ca.crt");
        assertThat(shownCertificate(primary, KvNames.MANAGEMENT_PORT, clusterCa).getIssuerX500Principal().getName())
                .as("the metrics port keeps the cluster's CA").isEqualTo("CN=webcert-ca");
        String bundle = client.configMaps().inNamespace(NS).withName("webcert-ca-cert").get().getData().get("ca.crt");
        assertThat(dev.kvstore.core.tls.CertificateAuthority.Pem.certificates(bundle))
                .as("clients are given both CAs to trust").containsExactly(
                        dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(clusterCa),
                        dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(users.certificatePem()));
        // the operator still reaches the stores (admin port, cluster's CA): the secondary follows
        assertThat(cluster("webcert").getStatus().getInstances()).extracting(i -> i.getRole())
                .containsExactlyInAnyOrder("primary", "secondary");

        // renewed in place, as cert-manager does: served without a restart, no pod made again
        Map<String, String> uids = podUids("webcert");
        Map<String, Integer> restarts = Map.of(primary, kubelet.restartsOf(primary), secondary, kubelet.restartsOf(secondary));
        java.math.BigInteger renewed = writeClientSecret(users, "webcert-clients");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(shownCertificate(primary, KvNames.REDIS_PORT, users.certificatePem()).getSerialNumber()).isEqualTo(renewed));

        // a broken renewal (another key): said, and nothing restarted; the stores keep what they show
        var stray = users.issue("stray", List.of(), List.of(), java.time.Instant.now(), Duration.ofDays(9));
        client.secrets().inNamespace(NS).withName("webcert-clients").edit(secret -> {
            secret.getData().put("tls.key", java.util.Base64.getEncoder().encodeToString(stray.keyPem().getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII)));
            return secret;
        });
        awaitTlsCondition("webcert", "ServerSecretInvalid", "tls.key is not the key of tls.crt");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(shownCertificate(primary, KvNames.REDIS_PORT, users.certificatePem()).getSerialNumber())
                        .isEqualTo(renewed));
        assertThat(dev.kvstore.operator.resources.TransportSecurity.templateServerSecret(client.apps().statefulSets().inNamespace(NS).withName("webcert").get()))
                .as("the StatefulSet left as it was").isEqualTo("webcert-clients");
        assertThat(podUids("webcert")).as("no pod made again").isEqualTo(uids);
        for (var entry : restarts.entrySet()) {
            assertThat(kubelet.restartsOf(entry.getKey())).as(entry.getKey() + " not restarted").isEqualTo(entry.getValue());
        }

        // the spec pointed at a Secret that is not there (yet): the running cluster keeps the one it shows,
        // and clients keep the CA to verify it
        client.resources(KVCluster.class).inNamespace(NS).withName("webcert").edit(kv -> {
            kv.getSpec().getTls().setServerSecret("webcert-next");
            return kv;
        });
        awaitTlsCondition("webcert", "ServerSecretInvalid", "Secret webcert-next not found");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(dev.kvstore.operator.resources.TransportSecurity.templateServerSecret(
                    client.apps().statefulSets().inNamespace(NS).withName("webcert").get())).isEqualTo("webcert-clients");
            assertThat(dev.kvstore.core.tls.CertificateAuthority.Pem.certificates(client.configMaps().inNamespace(NS)
                    .withName("webcert-ca-cert").get().getData().get("ca.crt"))).as("the bundle keeps the users' CA")
                    .contains(dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(users.certificatePem()));
        });
        assertThat(podUids("webcert")).as("no pod made again").isEqualTo(uids);
    }

    /** A kubernetes.io/tls Secret as cert-manager writes it, made or replaced; answers the certificate's serial. */
    private java.math.BigInteger writeClientSecret(dev.kvstore.core.tls.CertificateAuthority users, String name) {
        var issued = users.issue("webcert.example.com", List.of("webcert-rw." + NS + ".svc"), List.of(), java.time.Instant.now(),
                Duration.ofDays(30));
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .endMetadata().withType("kubernetes.io/tls").withStringData(Map.of("tls.crt", issued.certificatePem(),
                        "tls.key", issued.keyPem(), "ca.crt", users.certificatePem())).build()).serverSideApply();
        return dev.kvstore.core.tls.CertificateAuthority.Pem.certificate(issued.certificatePem()).getSerialNumber();
    }

    private void awaitTlsCondition(String name, String reason, String saying) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                assertThat(cluster(name).getStatus().getConditions()).filteredOn(c -> c.getType().equals("TLS"))
                        .singleElement().satisfies(c -> {
                            assertThat(c.getReason()).isEqualTo(reason);
                            assertThat(c.getMessage()).contains(saying);
                        }));
    }

    /** The certificate a store shows on {@code port}, checked against {@code caPem} (not by name: pods are reached by IP). */
    private java.security.cert.X509Certificate shownCertificate(String pod, int port, String caPem) throws java.io.IOException {
        javax.net.ssl.SSLContext tls = dev.kvstore.core.tls.SslContexts.forClusterMembers(caPem, null, null);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory()
                .createSocket(kubelet.ipOf(pod), port)) {
            socket.setSoTimeout(5000);
            socket.startHandshake();
            return (java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    @Order(13)
    void deleting_the_kvcluster_deletes_what_it_owns() {
        client.resources(KVCluster.class).inNamespace(NS).withName("alpha").delete();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(client.apps().statefulSets().inNamespace(NS).withName("alpha").get()).isNull();
            assertThat(client.services().inNamespace(NS).withName("alpha-rw").get()).isNull();
            assertThat(client.secrets().inNamespace(NS).withName("alpha-auth").get()).isNull();
        });
    }
}
