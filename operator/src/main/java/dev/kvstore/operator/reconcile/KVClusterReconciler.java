package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVBackup;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.model.KVClusterStatus;
import dev.kvstore.operator.resources.CaRotationPlan;
import dev.kvstore.operator.resources.ClientAuth;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.NetworkAccess;
import dev.kvstore.operator.resources.OperatorPods;
import dev.kvstore.operator.resources.ServerCertificate;
import dev.kvstore.operator.resources.TransportSecurity;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Thin reconciler: applies the desired objects, lets {@link PrimaryKeeper} keep one primary, and
 * writes what it saw into the status (conditions with observedGeneration, instances, failovers).
 * Runs again every second (every 200 ms while the primary does not answer), since a primary that
 * stops answering sends no Kubernetes event.
 */
@ControllerConfiguration(name = "kvcluster", generationAwareEventProcessing = false)
public class KVClusterReconciler implements Reconciler<KVCluster> {

    static final Duration RESYNC = Duration.ofSeconds(1);
    /** While the primary does not answer, passes come closer, so the failover follows the delay closely. */
    static final Duration RESYNC_IN_DOUBT = Duration.ofMillis(200);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(KVClusterReconciler.class);

    private final PrimaryKeeper keeper;
    private final MeterRegistry metrics;
    private final NetworkPolicyKeeper networkPolicies;
    private final CertificateKeeper certificates;
    private final SecretRotationKeeper secretRotation;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "kv-admin-call");
        thread.setDaemon(true);
        return thread;
    });
    private final KubernetesClient client;
    private final ClusterAdmins admins;
    private final BackupScheduleKeeper backupSchedule;
    private final BootstrapKeeper bootstrap;
    private final LogArchiveKeeper logArchive;
    private final CordonedNodes cordonedNodes;
    private final ClusterObjects objects;
    private final CertificateMetrics certificateMetrics;
    private final ClusterMetric backupScheduled;
    private final MaintenanceFenceKeeper maintenanceFences;
    private final VolumeResizeKeeper volumeResize;
    static final String DRAIN_WAITING = "DrainWaiting";
    /** The lasting refusals of each cluster's objects last said in an Event (by uid). */
    private final Map<String, String> toldRefusals = new java.util.concurrent.ConcurrentHashMap<>();

    /** Clusters already told about in the log as kept without client authentication (by uid). */
    private static final String CLIENT_AUTH = "ClientAuthentication";
    private static final String TLS = "TLS";
    /** TLS condition reasons: the client ports show the user's certificate; the Secret it is in is not good. */
    static final String SERVER_SECRET = "ServerSecret";
    static final String SERVER_SECRET_INVALID = "ServerSecretInvalid";
    static final String BACKUP_SCHEDULE = "BackupSchedule";

    public KVClusterReconciler(KubernetesClient client, MeterRegistry metrics, OperatorPods operatorPods,
                               ClusterAdmins admins) {
        this.client = client;
        this.admins = admins;
        this.metrics = metrics;
        this.networkPolicies = new NetworkPolicyKeeper(client, operatorPods);
        this.certificates = new CertificateKeeper(client, java.time.Clock.systemUTC(), (cluster, url, context) -> {
            try {
                admins.probe(cluster, context).status(url);
                return true;
            } catch (java.io.IOException | RuntimeException refused) {
                return false;
            }
        });
        this.secretRotation = new SecretRotationKeeper(client);
        this.backupSchedule = new BackupScheduleKeeper(client);
        this.bootstrap = new BootstrapKeeper(client);
        this.logArchive = new LogArchiveKeeper(client, metrics);
        this.keeper = new PrimaryKeeper(client, calls, this::recordFailover);
        this.cordonedNodes = new CordonedNodes(client);
        this.objects = new ClusterObjects(client);
        this.certificateMetrics = new CertificateMetrics(metrics);
        this.backupScheduled = new ClusterMetric(metrics, ClusterMetric.BACKUP_SCHEDULED, System::nanoTime);
        this.maintenanceFences = new MaintenanceFenceKeeper(client);
        this.volumeResize = new VolumeResizeKeeper(client);
    }

    @Override
    public List<EventSource<?, KVCluster>> prepareEventSources(EventSourceContext<KVCluster> context) {
        var pods = InformerEventSourceConfiguration.from(Pod.class, KVCluster.class)
                .withName("pods")
                .withLabelSelector("app.kubernetes.io/name=kvstore")
                .withSecondaryToPrimaryMapper(pod -> {
                    String cluster = pod.getMetadata().getLabels() == null ? null
                            : pod.getMetadata().getLabels().get(KvNames.CLUSTER_LABEL);
                    return cluster == null ? Set.of() : Set.of(new ResourceID(cluster, pod.getMetadata().getNamespace()));
                })
                .build();
        var statefulSets = InformerEventSourceConfiguration.from(StatefulSet.class, KVCluster.class)
                .withName("statefulsets")
                .build();
        // by name, not by owner: a policy of the cluster's policy name that someone else made must be seen too
        var networkPolicies = InformerEventSourceConfiguration.from(NetworkPolicy.class, KVCluster.class)
                .withName("networkpolicies")
                .withSecondaryToPrimaryMapper(policy -> {
                    String name = policy.getMetadata().getName();
                    String suffix = KvNames.networkPolicy("");
                    return name.endsWith(suffix) && name.length() > suffix.length()
                            ? Set.of(new ResourceID(name.substring(0, name.length() - suffix.length()),
                                    policy.getMetadata().getNamespace()))
                            : Set.of();
                })
                .build();
        // each cluster's KVBackups, by the cluster they name: the schedule's retention counts them
        var backups = InformerEventSourceConfiguration.from(KVBackup.class, KVCluster.class)
                .withName("kvbackups")
                .withSecondaryToPrimaryMapper(backup -> backup.getSpec() == null || backup.getSpec().getCluster() == null
                        ? Set.of() : Set.of(new ResourceID(backup.getSpec().getCluster(), backup.getMetadata().getNamespace())))
                .build();
        return List.of(new InformerEventSource<>(pods, context), new InformerEventSource<>(statefulSets, context),
                new InformerEventSource<>(networkPolicies, context), new InformerEventSource<>(backups, context));
    }

    @Override
    public UpdateControl<KVCluster> reconcile(KVCluster cluster, Context<KVCluster> context) throws Exception {
        String name = cluster.getMetadata().getName();
        String namespace = cluster.getMetadata().getNamespace();
        if (cluster.getStatus() == null) {
            cluster.setStatus(new KVClusterStatus());
        }
        List<Pod> pods = context.getSecondaryResources(Pod.class).stream()
                .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
                .filter(p -> name.equals(p.getMetadata().getLabels().get(KvNames.CLUSTER_LABEL)))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        keeper.adoptKnownTerm(cluster);
        FenceRequest fence = FenceRequest.of(cluster);
        // a fence refused for good (it would stop sync writes) keeps no store from taking over
        boolean fencesMayBeMade = MaintenanceFencing.wouldStopWrites(fence, cluster.getSpec()) == null;
        java.util.function.Predicate<String> toBeFenced = pod -> fencesMayBeMade && fence.wants(pod);
        // no planned switchover goes to a store on a node being emptied: it would take turns with the drain's; nor to
        // one the user asked to fence for maintenance
        java.util.function.Predicate<String> mayTakeOver = pod -> !toBeFenced.test(pod)
                && !NodeMaintenance.onCordonedNode(pod, pods, cordonedNodes::cordoned);
        ScaleDown scaleDown = ScaleDown.plan(cluster, pods, mayTakeOver);
        StatefulSet running = context.getSecondaryResource(StatefulSet.class).orElse(null);
        ClientAuth.Decision clientAuth = ClientAuth.decide(cluster, running, pods);
        NetworkAccess.Decision network = networkPolicies.decide(cluster, running,
                context.getSecondaryResource(NetworkPolicy.class).orElse(null));
        TransportSecurity.Decision tls = TransportSecurity.decide(cluster, running, pods);
        // the certificates before the StatefulSet that mounts them; kept while any store still runs with TLS
        boolean storesWithTls = pods.stream().anyMatch(TransportSecurity::runsWithTls);
        javax.net.ssl.SSLContext adminTls = null;
        String certificateError = null;
        // the user's certificate for the client ports, when the spec names one: judged before anything uses it
        String serverSecretAsked = tls.enabled() ? ServerCertificate.secretNameOf(cluster) : null;
        ServerCertificate server = serverSecretAsked == null ? null : this.certificates.serverCertificate(cluster, serverSecretAsked);
        Map<String, Instant> reportedBefore = reportedExpirations(cluster.getStatus());
        cluster.getStatus().setCertificates(new ArrayList<>());
        if (tls.enabled() || storesWithTls) {
            CertificateKeeper.Result certificates = this.certificates.ensure(cluster,
                    clientPortCas(cluster, server, running, pods), pods);
            adminTls = certificates.adminContext();
            reportExpirations(cluster, certificates.expirations(), certificates.error() != null, server, reportedBefore);
            tellCaRotation(cluster, certificates.rotation());
            if (certificates.error() != null) {
                certificateError = "the certificates could not be made or renewed: " + certificates.error();
                LOG.warnf("%s/%s: %s", namespace, name, certificateError);
            }
        } else {
            certificateMetrics.report(namespace, name, Map.of()); // none in force
        }
        if (tls.enabled() && certificateError != null && running == null) {
            // a new cluster waits for its own certificates: its pods would mount whatever Secret bears the
            // name (a foreign one: another CA, another party's key) or none at all
            setCondition(cluster, TLS, false, "CertificateError", certificateError);
            new StatusWriter(context).write(cluster);
            return UpdateControl.<KVCluster>noUpdate().rescheduleAfter(Duration.ofSeconds(5));
        }
        if (server != null && !server.good() && running == null) {
            // a new cluster waits for the certificate asked for: its pods would not start without the Secret,
            // and starting them on the operator's would restart them all once it comes
            warnOnce(cluster, SERVER_SECRET_INVALID, server.problem()); // before the condition it compares with
            setCondition(cluster, TLS, false, SERVER_SECRET_INVALID, server.problem() + "; the cluster waits for it");
            new StatusWriter(context).write(cluster);
            return UpdateControl.<KVCluster>noUpdate().rescheduleAfter(Duration.ofSeconds(5));
        }
        if (storesWithTls && adminTls == null) {
            // without the CA no admin call reaches a store with TLS: supervising blind would take a healthy
            // primary for a lost one, so this pass changes nothing and says why
            setCondition(cluster, TLS, false, "CertificateError", certificateError);
            new StatusWriter(context).write(cluster);
            return UpdateControl.<KVCluster>noUpdate().rescheduleAfter(Duration.ofSeconds(5));
        }
        // with a certificate error, or a certificate asked for the client ports that is not good, the stores keep
        // the transport they have: switching them to TLS now would restart them onto a certificate that is not
        // there, or restart them once now and again when it comes
        boolean held = certificateError != null || (server != null && !server.good());
        boolean decided = !held || running == null;
        boolean tlsInTemplate = decided ? tls.enabled() : TransportSecurity.templateHasTls(running);
        // the HTTP port's TLS follows the decision once TLS is in the template; with TLS kept as it is, the HTTP
        // port and the client ports' certificate keep what the running template has too
        boolean httpTlsInTemplate = decided ? tls.http() : TransportSecurity.templateHasHttpTls(running);
        // a template of the release before (TLS, no KV_HTTP_TLS) reads as HTTP in clear: marked so, or the mark
        // would be lost while held and the HTTP port turned to TLS under its clients once the hold ends
        boolean httpKept = decided ? tls.httpKept()
                : tlsInTemplate && !httpTlsInTemplate && (TransportSecurity.markedKept(running) || tls.httpKept());
        String serverSecretInTemplate = decided ? (server == null ? null : server.secretName())
                : TransportSecurity.templateServerSecret(running);
        BootstrapKeeper.Decision restore = bootstrap.prepare(cluster, running);
        if (restore.waits()) {
            // a new cluster restored from a backup waits for it (stores started without it would start empty), or
            // for the status that names it to be written before its StatefulSet is made
            restoreCondition(cluster, restore);
            new StatusWriter(context).write(cluster);
            return UpdateControl.<KVCluster>noUpdate().rescheduleAfter(restore.problem() == null ? RESYNC
                    : Duration.ofSeconds(5));
        }
        // a larger spec.storage.size grows the claims themselves: the StatefulSet's claim template cannot change
        volumeResize.keep(cluster, running);
        // whatever the API server refuses here is reported and the pass goes on: supervision does not wait for it
        ClusterObjects.Outcome applied = objects.apply(cluster, new ClusterObjects.Desired(scaleDown.statefulSetReplicas(),
                clientAuth.enabled(), new TransportSecurity.Template(tlsInTemplate, httpTlsInTemplate, httpKept,
                serverSecretInTemplate), networkPolicies.desired(cluster, network), restore.backupName(), restore.target(),
                running == null ? null : VolumeResizeKeeper.keptClaim(running)));
        tellObjectsApplied(cluster, applied);
        RollingUpdate rolling = RollingUpdate.plan(cluster, pods, running, mayTakeOver, pod -> fencedLastPass(cluster, pod));
        java.util.function.Predicate<String> notToBeFenced = toBeFenced.negate();
        NodeMaintenance maintenance = NodeMaintenance.plan(cluster, pods, cordonedNodes::cordoned, notToBeFenced);
        if (maintenance.switchTo() != null) {
            // planned again with every node read now: a primary's node uncordoned within the cache's 3 s (or a
            // target's cordoned) must not start a switchover
            maintenance = NodeMaintenance.plan(cluster, pods, cordonedNodes::cordonedNow, notToBeFenced);
        }
        tellDrainWait(cluster, maintenance.waiting());
        MaintenanceFencing fencing = MaintenanceFencing.plan(fence, cluster, pods, mayTakeOver);
        // the drain's target first: it is one a scale-down keeps too, and its primary must move before the eviction
        String switchTo = maintenance.switchTo() != null ? maintenance.switchTo()
                : fencing.switchTo() != null ? fencing.switchTo()
                : scaleDown.switchTo() != null ? scaleDown.switchTo() : rolling.switchTo();
        StatusWriter statusWriter = new StatusWriter(context);
        // a switchover's target checked, the moment before, with its node read now: the plan's read may be a few
        // seconds old (read now only when that one lets it, so a target kept on a cordoned node costs no read a pass)
        AdminClient admin = admins.forSupervision(cluster, adminTls);
        PrimaryKeeper.Outcome outcome = keeper.keep(cluster, pods, admin, statusWriter,
                switchTo, pod -> mayTakeOver.test(pod)
                        && !NodeMaintenance.onCordonedNode(pod, pods, cordonedNodes::cordonedNow));
        outcome = maintenanceFences.keep(cluster, pods, fence, fencing, admin, outcome);
        describe(cluster, pods, outcome);
        if (bootstrap.conclude(cluster)) {
            KVClusterStatus.Restore restored = cluster.getStatus().getRestore();
            event(cluster, "restore-", "Normal", "Restored", "restored backup " + restored.getBackupName() + " ("
                    + restored.getKeys() + " keys up to offset " + restored.getOffset() + " of epoch " + restored.getEpoch()
                    + "); " + cluster.getStatus().getPrimary() + " takes writes in epoch " + cluster.getStatus().getEpoch(),
                    Instant.now().toString());
        }
        restoreCondition(cluster, restore);
        archiveLog(cluster, pods);
        boolean rotating = rotateSecret(cluster, pods, outcome, RollingUpdate.underWay(pods, running));
        Condition authBefore = condition(cluster, CLIENT_AUTH);
        boolean newlyOpen = clientAuth.keptOpenSinceBefore()
                && (authBefore == null || !clientAuth.reason().equals(authBefore.getReason()));
        if (newlyOpen) {
            // once a cluster, by its status (which outlives an operator's restart), not once a process
            LOG.warnf("%s/%s: %s", namespace, name, clientAuth.message());
            warn(cluster, "ClientAuthenticationOff", clientAuth.message());
        }
        setCondition(cluster, CLIENT_AUTH, clientAuth.inForce(), clientAuth.reason(), clientAuth.message());
        if (clientAuth.enabled() && applied.refusedKind("Secret")) {
            // said as it is: the users' Secret (or the cluster secret) was not made, and the stores not updated
            setCondition(cluster, CLIENT_AUTH, false, "ApplyRefused", applied.message());
        }
        Condition networkBefore = condition(cluster, NetworkAccess.CONDITION);
        if (network.keptOpenSinceBefore() && (networkBefore == null || !network.reason().equals(networkBefore.getReason()))) {
            LOG.warnf("%s/%s: %s", namespace, name, network.message());
            warn(cluster, "NetworkPolicyOff", network.message());
        }
        setCondition(cluster, NetworkAccess.CONDITION, network.wanted(), network.reason(), network.message());
        if (network.wanted() && applied.refusedKind("NetworkPolicy")) {
            // not "applied" while the API server refuses it: the ports are not fenced as the spec asks
            setCondition(cluster, NetworkAccess.CONDITION, false, "ApplyRefused", applied.message());
        }
        Condition tlsBefore = condition(cluster, TLS);
        if (tls.keptOffSinceBefore() && (tlsBefore == null || !tls.reason().equals(tlsBefore.getReason()))) {
            LOG.warnf("%s/%s: %s", namespace, name, tls.message());
            warn(cluster, "TLSOff", tls.message());
        }
        if (certificateError != null) {
            setCondition(cluster, TLS, false, "CertificateError", certificateError);
        } else if (server != null && !server.good()) {
            String shown = serverSecretInTemplate == null ? "the operator's certificate"
                    : "the certificate of Secret " + serverSecretInTemplate;
            String kept = !tlsInTemplate ? "the stores keep running without TLS"
                    : "the Redis-protocol " + (httpTlsInTemplate ? "and HTTP ports show " : "port shows ") + shown;
            warnOnce(cluster, SERVER_SECRET_INVALID, server.problem());
            setCondition(cluster, TLS, false, SERVER_SECRET_INVALID, server.problem() + "; the StatefulSet is left as it "
                    + "is until it is good, and no store is restarted: " + kept);
        } else if (server != null) {
            setCondition(cluster, TLS, tls.inForce(), tls.inForce() ? SERVER_SECRET : tls.reason(), tls.message()
                    + "; the Redis-protocol " + (tls.http() ? "and HTTP ports show" : "port shows") + " the certificate of "
                    + server.summary() + (server.caPem() == null ? "" : ", its CA added to ConfigMap " + KvNames.caCertificate(name)));
        } else if (!tls.enabled() && ServerCertificate.secretNameOf(cluster) != null) {
            setCondition(cluster, TLS, tls.inForce(), tls.reason(), tls.message() + " (spec.tls.serverSecret is not used "
                    + "without TLS)");
        } else {
            setCondition(cluster, TLS, tls.inForce(), tls.reason(), tls.message());
        }
        List<String> otherTransport = held ? List.of() : restartedForTls(pods, running, tls.enabled());
        if (!otherTransport.isEmpty()) {
            // TLS turned on or off: all at once, not one by one, since a store with TLS cannot follow a primary
            // without, nor the reverse; a rolling restart would leave a store out for good (and with one
            // secondary, stop sync writes). Writes pause until the stores are back; nothing acknowledged is lost
            LOG.infof("%s/%s: restarting %s at once (TLS %s)", namespace, name, otherTransport,
                    tls.enabled() ? "on" : "off");
            for (String pod : otherTransport) {
                client.pods().inNamespace(namespace).withName(pod).delete();
            }
            cluster.getStatus().setPhase("Updating");
        } else if (rolling.restart() != null && cluster.getStatus().getPhase().equals("Ready")
                && RollingUpdate.mayRestartNow(cluster.getSpec(), outcome.statuses(), rolling.restart()) && !rotating
                && !held) {
            // nor while the transport is held (a certificate error, a certificate asked for that is not good): a
            // store restarted now could need a Secret that is not there, or TLS its primary does not speak
            // not while a cluster secret rotation is under way: a store of a release before rotation (a
            // rollback) would read two secrets as one
            // one outdated secondary at a time, only while every other store follows, and only a store
            // that says itself it is a secondary (a pod list a moment old must not restart the primary)
            client.pods().inNamespace(namespace).withName(rolling.restart()).delete();
            cluster.getStatus().setPhase("Updating");
        }
        scheduleBackups(cluster, context);
        var backup = cluster.getSpec().getBackup();
        backupScheduled.set(namespace, name, backup != null && backup.getSchedule() != null
                && !backup.getSchedule().isBlank() ? 1 : 0);
        // written here rather than by UpdateControl: the next pass must start from this status (see StatusWriter)
        statusWriter.write(cluster);
        return UpdateControl.<KVCluster>noUpdate().rescheduleAfter(outcome.primaryInDoubt() ? RESYNC_IN_DOUBT : RESYNC);
    }

    /**
     * What status.certificates said before this pass: kept for a certificate this pass could not read or renew (the
     * alert on its expiry is for exactly that), dropped for one no longer in force.
     */
    private static Map<String, Instant> reportedExpirations(KVClusterStatus status) {
        Map<String, Instant> reported = new java.util.TreeMap<>();
        for (KVClusterStatus.CertificateExpiry before : status.getCertificates() == null
                ? List.<KVClusterStatus.CertificateExpiry>of() : status.getCertificates()) {
            try {
                reported.put(before.getSecret(), Instant.parse(before.getNotAfter()));
            } catch (RuntimeException unreadable) {
                // not ours to keep
            }
        }
        return reported;
    }

    /** status.certificates and their gauges: the CA's, the stores', and the user's (read, even expired), by Secret. */
    private void reportExpirations(KVCluster cluster, Map<String, Instant> kept, boolean failed, ServerCertificate server,
                                   Map<String, Instant> reportedBefore) {
        Map<String, Instant> bySecret = new java.util.TreeMap<>(kept);
        if (failed) {
            // the CA's or the stores' Secret could not be read or renewed: they are still in force as reported
            String name = cluster.getMetadata().getName();
            for (String secret : List.of(KvNames.caSecret(name), KvNames.tlsSecret(name))) {
                if (!bySecret.containsKey(secret) && reportedBefore.containsKey(secret)) {
                    bySecret.put(secret, reportedBefore.get(secret));
                }
            }
        }
        if (server != null && server.notAfter() != null) {
            bySecret.put(server.secretName(), server.notAfter()); // expired too: the alert is for it
        } else if (server != null && reportedBefore.containsKey(server.secretName())) {
            bySecret.put(server.secretName(), reportedBefore.get(server.secretName())); // unreadable this pass
        }
        certificateMetrics.report(cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), bySecret);
        List<KVClusterStatus.CertificateExpiry> certificates = new ArrayList<>();
        bySecret.forEach((secret, notAfter) -> certificates.add(new KVClusterStatus.CertificateExpiry(secret,
                notAfter.toString())));
        cluster.getStatus().setCertificates(certificates);
    }

    /**
     * Condition {@link ClusterObjects#CONDITION}; a Warning Event and a log line when the lasting refusals change
     * (compared by object and answer, not by the API server's words, which may differ at every pass).
     */
    private void tellObjectsApplied(KVCluster cluster, ClusterObjects.Outcome applied) {
        String lasting = applied.lastingKey();
        String uid = cluster.getMetadata().getUid();
        // forgotten only once all is applied: a pass of a moment's trouble between two refused ones tells nothing
        String told = applied.allApplied() ? toldRefusals.remove(uid)
                : lasting.isEmpty() ? toldRefusals.get(uid) : toldRefusals.put(uid, lasting);
        if (!lasting.isEmpty() && !lasting.equals(told)) {
            LOG.warnf("%s/%s: the API server refused: %s", cluster.getMetadata().getNamespace(),
                    cluster.getMetadata().getName(), applied.message());
            warn(cluster, "ApplyRefused", applied.message());
        }
        setCondition(cluster, ClusterObjects.CONDITION, applied.allApplied(),
                applied.allApplied() ? "Applied" : "ApplyRefused", applied.message());
    }

    /** Condition Restored, for a cluster made from a backup (spec.bootstrap.fromBackup) only. */
    private void restoreCondition(KVCluster cluster, BootstrapKeeper.Decision decision) {
        if (cluster.getSpec().getBootstrap() == null || cluster.getSpec().getBootstrap().getFromBackup() == null) {
            return;
        }
        KVClusterStatus.Restore restore = cluster.getStatus().getRestore();
        if (decision.problem() == null && restore == null) {
            return; // nothing known yet to say
        }
        if (decision.problem() != null) {
            Condition before = condition(cluster, BootstrapKeeper.CONDITION);
            if (before == null || !decision.problem().equals(before.getMessage())) {
                warn(cluster, "RestoreFailed", decision.problem());
            }
            setCondition(cluster, BootstrapKeeper.CONDITION, false, "RestoreFailed", decision.problem());
        } else if (KVClusterStatus.Restore.RESTORED.equals(restore.getPhase())) {
            setCondition(cluster, BootstrapKeeper.CONDITION, true, "Restored", "restored backup " + restore.getBackupName()
                    + ": " + restore.getKeys() + " keys up to offset " + restore.getOffset() + " of epoch " + restore.getEpoch());
        } else {
            setCondition(cluster, BootstrapKeeper.CONDITION, false, "Restoring", "every store starts from backup "
                    + restore.getBackupName() + " (" + restore.getBytes() + " bytes, up to offset " + restore.getOffset()
                    + " of epoch " + restore.getEpoch() + "); the first primary takes writes after it");
        }
    }

    /** spec.backup.archiveEverySeconds: a round of the log archive when one is due; condition LogArchived. */
    private void archiveLog(KVCluster cluster, List<Pod> pods) {
        LogArchiveKeeper.Report report;
        try {
            report = logArchive.keep(cluster, pods, () -> admins.lastKnown(cluster, LogArchiveKeeper.CALL_TIMEOUT));
        } catch (RuntimeException e) {
            // never in the way of the status this pass observed (the primary, the phase)
            report = new LogArchiveKeeper.Report(false, "ArchiveFailed", e.getMessage());
        }
        if (report == null) {
            cluster.getStatus().getConditions().removeIf(c -> LogArchiveKeeper.CONDITION.equals(c.getType()));
        } else {
            setCondition(cluster, LogArchiveKeeper.CONDITION, report.ok(), report.reason(), report.message());
        }
    }

    /** spec.backup.schedule's backup due now and its retention; condition BackupSchedule says how it goes. */
    private void scheduleBackups(KVCluster cluster, Context<KVCluster> context) {
        boolean scheduled = cluster.getSpec().getBackup() != null && cluster.getSpec().getBackup().getSchedule() != null;
        if (!scheduled) {
            cluster.getStatus().getConditions().removeIf(c -> BACKUP_SCHEDULE.equals(c.getType()));
            cluster.getStatus().setLastScheduledBackup(null);
            cluster.getStatus().setBackupSchedule(null);
            return;
        }
        String problem;
        try {
            problem = backupSchedule.keep(cluster, context.getSecondaryResources(KVBackup.class), Instant.now());
        } catch (RuntimeException e) {
            // never in the way of the status this pass observed (the primary, the phase)
            LOG.warnf(e, "%s/%s: scheduled backups", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
            problem = "the schedule could not make its backup this pass: " + e.getMessage();
        }
        if (problem != null) {
            Condition before = condition(cluster, BACKUP_SCHEDULE);
            if (before == null || !problem.equals(before.getMessage())) {
                warn(cluster, "InvalidBackupSchedule", problem);
            }
            setCondition(cluster, BACKUP_SCHEDULE, false, "InvalidSchedule", problem);
        } else {
            setCondition(cluster, BACKUP_SCHEDULE, true, "Scheduled", "backups at '"
                    + cluster.getSpec().getBackup().getSchedule() + "' (UTC), the last "
                    + cluster.getSpec().getBackup().getKeepLast() + " complete ones kept");
        }
    }

    /**
     * The CAs of every certificate of the user's the client ports may show while this pass runs, for ConfigMap
     * {@code <name>-ca-cert}: the one the spec asks for once good, and those the running template and the pods
     * still mount (a change of Secret rolls the stores one by one, and clients of a store not yet restarted
     * must still verify it).
     */
    private CertificateKeeper.ClientPortCas clientPortCas(KVCluster cluster, ServerCertificate asked, StatefulSet running,
                                                           List<Pod> pods) {
        java.util.Set<String> shown = new java.util.TreeSet<>();
        if (running != null && TransportSecurity.templateServerSecret(running) != null) {
            shown.add(TransportSecurity.templateServerSecret(running));
        }
        pods.stream().map(TransportSecurity::podServerSecret).filter(java.util.Objects::nonNull).forEach(shown::add);
        List<String> pems = new ArrayList<>();
        boolean complete = true;
        if (asked != null) {
            if (asked.good()) {
                if (asked.caPem() != null) {
                    pems.add(asked.caPem());
                }
            } else {
                complete = false;
            }
            shown.remove(asked.secretName());
        }
        for (String secret : shown) {
            CertificateKeeper.SecretCa ca = certificates.caOf(cluster, secret);
            if (!ca.readable()) {
                complete = false;
            } else if (ca.pem() != null && !pems.contains(ca.pem())) {
                pems.add(ca.pem());
            }
        }
        return new CertificateKeeper.ClientPortCas(pems, complete);
    }

    /**
     * A step of a cluster secret rotation when one is due; its condition and, at its end, an Event. Answers
     * whether a rotation is under way (or may be: the Secret changed under this pass).
     */
    private boolean rotateSecret(KVCluster cluster, List<Pod> pods, PrimaryKeeper.Outcome outcome, boolean updateRolling) {
        dev.kvstore.operator.resources.SecretRotationPlan plan = secretRotation.advance(cluster, pods, outcome.statuses(),
                updateRolling);
        if (plan == SecretRotationKeeper.CHANGED_UNDER_THIS_PASS) {
            return true;
        }
        if (plan == null || plan.condition() == null) {
            return plan != null && plan.rotatingTo() != null;
        }
        Condition before = condition(cluster, dev.kvstore.operator.resources.SecretRotationPlan.CONDITION);
        setCondition(cluster, dev.kvstore.operator.resources.SecretRotationPlan.CONDITION, plan.condition(),
                plan.reason(), plan.message());
        if (plan.event() != null && (before == null || !"True".equals(before.getStatus()))) {
            event(cluster, "secret-", "Normal", "SecretRotated", plan.event(), Instant.now().toString());
        }
        return plan.rotatingTo() != null;
    }

    /** A CA rotation's condition, and an Event when it ends. */
    private void tellCaRotation(KVCluster cluster, CaRotationPlan rotation) {
        if (rotation == null) {
            return;
        }
        Condition before = condition(cluster, CaRotationPlan.CONDITION);
        if (rotation.condition() == null) {
            // no rotation under way (nothing else answers no condition): one the status still shows as running
            // ended in a pass whose status was not written (an operator stopped then)
            if (before != null && "False".equals(before.getStatus()) && "Rotating".equals(before.getReason())) {
                setCondition(cluster, CaRotationPlan.CONDITION, true, "Rotated", "the CA rotation ended");
            }
            return;
        }
        setCondition(cluster, CaRotationPlan.CONDITION, rotation.condition(), rotation.reason(), rotation.message());
        if (rotation.event() != null && (before == null || !"True".equals(before.getStatus()))) {
            event(cluster, "ca-", "Normal", "CARotated", rotation.event(), Instant.now().toString());
        }
    }

    /**
     * The pods whose store runs with the other transport than the one wanted, once the StatefulSet as this
     * operator's informer sees it already has the wanted one (so that the pods made again get it).
     */
    private static List<String> restartedForTls(List<Pod> pods, StatefulSet running, boolean wanted) {
        if (running == null || TransportSecurity.templateHasTls(running) != wanted) {
            return List.of();
        }
        return pods.stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
                .filter(pod -> TransportSecurity.runsWithTls(pod) != wanted)
                .map(pod -> pod.getMetadata().getName()).toList();
    }

    /** Whether the last pass saw that store fenced for maintenance (status.instances). */
    private static boolean fencedLastPass(KVCluster cluster, String pod) {
        return cluster.getStatus().getInstances() != null && cluster.getStatus().getInstances().stream()
                .anyMatch(i -> pod.equals(i.getName()) && Boolean.TRUE.equals(i.getFenced()));
    }


    @Override
    public ErrorStatusUpdateControl<KVCluster> updateErrorStatus(KVCluster cluster, Context<KVCluster> context,
                                                                Exception e) {
        LOG.warnf(e, "reconciling %s/%s failed", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName());
        if (cluster.getStatus() == null) {
            cluster.setStatus(new KVClusterStatus());
        }
        setCondition(cluster, "Ready", false, "ReconcileError", String.valueOf(e.getMessage()));
        cluster.getStatus().setPhase("Error");
        return ErrorStatusUpdateControl.patchStatus(cluster).rescheduleAfter(Duration.ofSeconds(5));
    }

    private void describe(KVCluster cluster, List<Pod> pods, PrimaryKeeper.Outcome outcome) {
        KVClusterStatus status = cluster.getStatus();
        List<KVClusterStatus.Instance> instances = new ArrayList<>();
        int ready = 0;
        int following = 0;
        int fenced = 0;
        for (Pod pod : pods) {
            String podName = pod.getMetadata().getName();
            NodeStatus node = outcome.statuses().get(podName);
            boolean podReady = StoreMember.of(podName, pod).podReady();
            ready += podReady ? 1 : 0;
            following += node != null && node.following() ? 1 : 0;
            boolean fencedForMaintenance = node != null && node.maintenanceFenced();
            fenced += fencedForMaintenance ? 1 : 0;
            KVClusterStatus.Instance instance = new KVClusterStatus.Instance(podName, node == null ? "unknown" : node.role(),
                    node == null ? null : node.epoch(), node == null ? null : node.lastOffset(),
                    node == null ? null : node.lag(), podReady);
            instance.setFenced(fencedForMaintenance ? Boolean.TRUE : null);
            instances.add(instance);
        }
        status.setInstances(instances);
        status.setReadyReplicas(ready);
        status.setObservedGeneration(cluster.getMetadata().getGeneration());
        int replicas = cluster.getSpec().getReplicas();
        boolean hasPrimary = status.getPrimary() != null && outcome.statuses().containsKey(status.getPrimary());
        // a store fenced for maintenance is out as the user asked: the rest whole, the cluster is Ready (condition
        // Fenced says it), and a rolling update goes on
        boolean enoughForWrites = !"sync".equals(cluster.getSpec().getReplication().getMode())
                || following >= cluster.getSpec().getReplication().getMinSyncReplicas();
        boolean whole = hasPrimary && following == replicas - 1 - fenced && enoughForWrites;
        String degraded = outcome.degradedReason();
        setCondition(cluster, "Available", hasPrimary, hasPrimary ? "PrimaryServing" : "NoPrimary",
                hasPrimary ? status.getPrimary() + " takes writes in epoch " + status.getEpoch() : "no primary answers");
        setCondition(cluster, "Ready", whole && degraded == null, whole ? "AllFollowing" : "NotAllFollowing",
                following + " of " + (replicas - 1) + " secondaries follow the primary"
                        + (fenced > 0 ? " (" + fenced + " fenced for maintenance)" : ""));
        setCondition(cluster, "Degraded", degraded != null, degraded != null ? "CannotFailOver" : "None",
                degraded != null ? degraded : "");
        setCondition(cluster, "Progressing", !whole && degraded == null, whole ? "Stable" : "Converging",
                whole ? "" : ready + " of " + replicas + " pods ready");
        WritesRefused room = WritesRefused.of(outcome.statuses());
        setCondition(cluster, WritesRefused.TYPE, room.refused(), room.reason(), room.message());
        status.setPhase(degraded != null ? (status.getPrimary() == null ? "Creating" : "Degraded")
                : whole ? "Ready" : status.getPrimary() == null ? "Creating" : "Progressing");
    }

    static Condition condition(KVCluster cluster, String type) {
        return cluster.getStatus().getConditions() == null ? null : cluster.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    static void setCondition(KVCluster cluster, String type, boolean value, String reason, String message) {
        List<Condition> conditions = new ArrayList<>(cluster.getStatus().getConditions());
        String status = value ? "True" : "False";
        Condition previous = condition(cluster, type);
        String since = previous != null && status.equals(previous.getStatus()) ? previous.getLastTransitionTime()
                : Instant.now().toString();
        conditions.removeIf(c -> type.equals(c.getType()));
        conditions.add(new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastTransitionTime(since).withObservedGeneration(cluster.getMetadata().getGeneration()).build());
        conditions.sort(Comparator.comparing(Condition::getType));
        cluster.getStatus().setConditions(conditions);
    }

    /**
     * A Warning Event when the TLS condition did not say this already (once a change, not once a pass): another
     * reason, or another problem under the same reason (its message starts with the problem).
     */
    private void warnOnce(KVCluster cluster, String reason, String message) {
        Condition before = condition(cluster, TLS);
        if (before == null || !reason.equals(before.getReason()) || before.getMessage() == null
                || !before.getMessage().startsWith(message)) {
            LOG.warnf("%s/%s: %s", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), message);
            warn(cluster, reason, message);
        }
    }

    /**
     * Condition {@value #DRAIN_WAITING}: true while a primary on a node being emptied stays for want of a secondary
     * to switch to (a drain waits on its budget meanwhile). A Warning Event and a log line when it starts, or says
     * another reason: compared with the condition, so that an operator restarted does not say it again.
     */
    private void tellDrainWait(KVCluster cluster, String waiting) {
        Condition before = condition(cluster, DRAIN_WAITING);
        if (waiting != null && (before == null || !waiting.equals(before.getMessage()))) {
            LOG.warnf("%s/%s: %s", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(), waiting);
            warn(cluster, DRAIN_WAITING, waiting);
        }
        setCondition(cluster, DRAIN_WAITING, waiting != null, waiting != null ? "NoSecondaryElsewhere" : "None",
                waiting != null ? waiting : "");
    }

    /** A Warning Event on the cluster (a courtesy: what it says is in the status too). */
    private void warn(KVCluster cluster, String reason, String message) {
        event(cluster, "", "Warning", reason, message, Instant.now().toString());
    }

    private void recordFailover(KVCluster cluster, KVClusterStatus.FailoverRecord record) {
        metrics.counter("kv_operator_failovers_total", "cluster", cluster.getMetadata().getName()).increment();
        Timer.builder("kv_operator_failover_duration").tag("cluster", cluster.getMetadata().getName()).register(metrics)
                .record(record.getDurationMillis(), TimeUnit.MILLISECONDS);
        boolean lossy = Boolean.TRUE.equals(record.getPossiblyLossy());
        event(cluster, "failover-", lossy ? "Warning" : "Normal",
                record.getReason().startsWith("switchover") ? "Switchover" : "Failover",
                record.getFrom() + " -> " + record.getTo() + " in epoch " + record.getEpoch() + " (" + record.getReason()
                        + ", " + record.getDurationMillis() + " ms" + (lossy ? ", possibly lossy" : "") + ")",
                record.getTime());
    }

    /** An Event about the cluster; a courtesy (the status has what it says), so a failure to record it is not one. */
    private void event(KVCluster cluster, String namePart, String type, String reason, String message, String time) {
        Events.record(client, cluster, namePart, type, reason, message, time);
    }
}
