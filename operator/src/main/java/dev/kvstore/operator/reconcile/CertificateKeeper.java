package dev.kvstore.operator.reconcile;

import dev.kvstore.core.tls.CertificateAuthority;
import dev.kvstore.core.tls.SslContexts;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.CaInUse;
import dev.kvstore.operator.resources.CaRotationPlan;
import dev.kvstore.operator.resources.ClusterCertificates;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.SecretRotationPlan;
import dev.kvstore.operator.resources.ServerCertificate;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.jboss.logging.Logger;

/**
 * Keeps the certificates of clusters with TLS: the CA in {@code <name>-ca} (made once, never shown to
 * the stores' pods), its certificate in the ConfigMap {@code <name>-ca-cert} for clients, and the
 * stores' certificate in {@code <name>-tls}, issued anew when due ({@link ClusterCertificates#renewalReason}).
 * The stores read the mounted Secret again by themselves: a renewal restarts nothing. The operator's
 * own client certificate for the admin ports is issued from the same CA, kept in memory only. The CA itself
 * is replaced by one of a new key in the steps of a {@link CaRotationPlan}, each checked on the stores
 * themselves by a TLS call to their admin port ({@link StoreProbe}).
 */
final class CertificateKeeper {

    private static final Logger LOG = Logger.getLogger(CertificateKeeper.class);
    /** The operator's admin client certificate: short-lived, made again by each operator process. */
    private static final Duration ADMIN_CLIENT_VALIDITY = Duration.ofDays(30);
    private static final Duration ADMIN_CLIENT_RENEW_BEFORE = Duration.ofDays(7);

    /** The client certificate a rotation's checks show the stores: as short-lived, made again for each new CA. */
    private static final Duration PROBE_VALIDITY = Duration.ofDays(1);

    /** Whether a store's admin port, called with this TLS context, answers: its handshake went through both ways. */
    @FunctionalInterface
    interface StoreProbe {
        boolean accepts(KVCluster cluster, String adminUrl, SSLContext context);
    }

    private final KubernetesClient client;
    private final Clock clock;
    private final StoreProbe probe;
    private final Map<String, AdminIdentity> adminIdentities = new ConcurrentHashMap<>();
    private final Map<String, ProbeIdentity> probeIdentities = new ConcurrentHashMap<>();

    private record AdminIdentity(String signerPem, String trustPem, SSLContext context, Instant notAfter) {
    }

    /**
     * What a rotation's checks show the stores at a step (a certificate of the new CA; which CAs they trust),
     * and the pods (by uid) that passed them: not asked again at every pass.
     */
    private record ProbeIdentity(String nextPem, CaRotationPlan.Step step, SSLContext context, Instant notAfter,
                                 java.util.Set<String> passed) {
    }

    /**
     * A pass runs every second: what was read and found good last time is not parsed and checked again
     * while its Secret's resourceVersion (and the cluster's generation, for renewBeforeDays) is the same.
     */
    private record KnownCa(String resourceVersion, CaRotationPlan.CaState state) {
    }

    /** The CA Secret as read (null when just made) and its state. */
    private record CaRead(Secret secret, CaRotationPlan.CaState state) {
    }

    private record GoodCertificate(String resourceVersion, String caPem, long generation, Instant dueAt, Instant notAfter) {
    }

    private final Map<String, KnownCa> knownCas = new ConcurrentHashMap<>();
    private final Map<String, GoodCertificate> goodCertificates = new ConcurrentHashMap<>();

    CertificateKeeper(KubernetesClient client, Clock clock, StoreProbe probe) {
        this.client = client;
        this.clock = clock;
        this.probe = probe;
    }

    /**
     * What a pass got: the TLS context of the operator's admin calls to the cluster's stores (null when
     * not even the CA could be read) and, when something could not be made or renewed, why.
     */
    record Result(SSLContext adminContext, String error, CaRotationPlan rotation, Map<String, Instant> expirations) {
    }

    /**
     * The CAs of the certificates of the user's the client ports may show, for clients (ConfigMap
     * {@code <name>-ca-cert}, after the cluster's). Not complete when one of their Secrets cannot be read or
     * judged good: the ConfigMap then keeps what it holds beside the cluster's CA, so clients lose nothing meanwhile.
     */
    record ClientPortCas(List<String> pems, boolean complete) {
    }

    /** A Secret's ca.crt: null when it has none (or none that reads); not readable when the Secret is not there. */
    record SecretCa(boolean readable, String pem) {
    }

    /**
     * Makes or renews what is missing or due. The admin identity needs the CA alone: a failure with the
     * stores' Secret or the ConfigMap after it still answers one, so that the stores stay supervised.
     */
    Result ensure(KVCluster cluster, ClientPortCas clientPortCas, List<Pod> pods) {
        CaRead read;
        try {
            read = caOf(cluster);
        } catch (RuntimeException e) {
            // never a null error: callers take null for "made"
            return new Result(null, java.util.Objects.toString(e.getMessage(), e.toString()), null, Map.of());
        }
        Instant now = clock.instant();
        CaRotationPlan.CaState state = read.state();
        CaRotationPlan rotation = null;
        String rotationError = null;
        try {
            rotation = rotate(cluster, read, pods, now);
            if (rotation != null && rotation.write() != null) {
                state = rotation.write();
            }
        } catch (RuntimeException e) {
            // the step is not written: this pass goes on with the CAs as read, the next tries again
            rotationError = "rotating the CA: " + java.util.Objects.toString(e.getMessage(), e.toString());
        }
        CaInUse inUse = state.inUse();
        SSLContext context = adminContext(cluster, inUse, now);
        // by Secret, as CloudNativePG's status.certificates.expirations: what kubectl kv status shows
        Map<String, Instant> expirations = new java.util.TreeMap<>();
        expirations.put(KvNames.caSecret(cluster.getMetadata().getName()), inUse.signer().notAfter());
        try {
            expirations.put(KvNames.tlsSecret(cluster.getMetadata().getName()),
                    keepStoreCertificate(cluster, inUse, now, clientPortCas));
            return new Result(context, rotationError, rotation, expirations);
        } catch (RuntimeException e) {
            return new Result(context, java.util.Objects.toString(e.getMessage(), e.toString()), rotation, expirations);
        }
    }

    /**
     * One pass of a CA rotation: the stores asked when one is under way, and the next step written to the CA
     * Secret when due, on the condition that the Secret is still the one read (a concurrent change fails it).
     * Null when this pass has nothing to say: the CA was just made, or its Secret changed since read.
     */
    private CaRotationPlan rotate(KVCluster cluster, CaRead read, List<Pod> pods, Instant now) {
        CaRotationPlan.CaState state = read.state();
        Map<String, Boolean> shown = state.step() == CaRotationPlan.Step.NONE ? Map.of() : shown(cluster, state, pods);
        String request = requestOf(cluster);
        boolean published = state.step() == CaRotationPlan.Step.TRUST && publishedForClients(cluster, state.next());
        CaRotationPlan plan = CaRotationPlan.decide(request, state, now, ClusterCertificates.renewBefore(cluster),
                ClusterCertificates.caRotationGrace(cluster), published, shown,
                () -> CertificateAuthority.create(cluster.getMetadata().getName() + "-ca-"
                        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
                        .format(now), now, ClusterCertificates.CA_VALIDITY));
        if (plan.write() != null) {
            if (read.secret() == null) {
                // the CA was made by this pass (and answers a request already there): nothing to say yet
                return null;
            }
            try {
                writeCa(read.secret(), plan.write());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // changed since read (another pass, a user): this pass goes on with what was read and says nothing
                // of the rotation (not even that none runs), the next reads it anew
                return null;
            }
            LOG.infof("%s/%s: CA rotation: %s", cluster.getMetadata().getNamespace(), cluster.getMetadata().getName(),
                    plan.message());
        }
        return plan;
    }

    private static String requestOf(KVCluster cluster) {
        return cluster.getMetadata().getAnnotations() == null ? null
                : cluster.getMetadata().getAnnotations().get(CaRotationPlan.REQUEST);
    }

    /** Whether ConfigMap {@code <name>-ca-cert}, as it is now, gives clients this CA. */
    private boolean publishedForClients(KVCluster cluster, CertificateAuthority ca) {
        var configMap = client.configMaps().inNamespace(cluster.getMetadata().getNamespace())
                .withName(KvNames.caCertificate(cluster.getMetadata().getName())).get();
        String bundle = configMap == null || configMap.getData() == null ? null
                : configMap.getData().get(ClusterCertificates.CA_CERT);
        return bundle != null && bundle.contains(ca.certificatePem().strip());
    }

    /**
     * By store pod the rotation waits for (as a cluster secret rotation does: every ordinal below replicas and
     * every pod still running), whether it showed the step in force; null for one with no address to ask.
     */
    private Map<String, Boolean> shown(KVCluster cluster, CaRotationPlan.CaState state, List<Pod> pods) {
        ProbeIdentity identity = probeIdentity(cluster, state);
        List<Pod> running = pods.stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null).toList();
        Map<String, Boolean> answered = new HashMap<>();
        for (Pod pod : running) {
            String name = pod.getMetadata().getName();
            String uid = pod.getMetadata().getUid();
            String url = StoreMember.of(name, pod).adminUrl();
            if (identity.passed().contains(uid)) {
                answered.put(name, true);
            } else if (url != null) {
                // a store in clear (TLS being turned on) shows nothing: it is asked again once it runs with TLS
                boolean accepted = url.startsWith("https://") && probe.accepts(cluster, url, identity.context());
                if (accepted) {
                    identity.passed().add(uid);
                }
                answered.put(name, accepted);
            }
        }
        return SecretRotationPlan.reports(cluster.getMetadata().getName(), cluster.getSpec().getReplicas(),
                running.stream().map(pod -> pod.getMetadata().getName()).toList(), answered);
    }

    /**
     * A certificate of the new CA for the checks: at TRUST the stores must take it (its server certificate
     * may be either CA's); at SERVE they must also show a certificate of the new CA, the only one trusted.
     */
    private ProbeIdentity probeIdentity(KVCluster cluster, CaRotationPlan.CaState state) {
        String key = cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
        String nextPem = state.next().certificatePem();
        ProbeIdentity known = probeIdentities.get(key);
        Instant now = clock.instant();
        boolean sameStep = known != null && known.nextPem().equals(nextPem) && known.step() == state.step();
        if (sameStep && now.isBefore(known.notAfter().minus(PROBE_VALIDITY.dividedBy(2)))) {
            return known;
        }
        // a step may wait for days (a store down): the certificate is issued again before it expires, and the
        // stores that passed keep their pass
        CertificateAuthority.Issued issued = state.next().issue(KvNames.ADMIN_CLIENT, List.of(), List.of(), now,
                PROBE_VALIDITY);
        String trusted = state.step() == CaRotationPlan.Step.SERVE ? nextPem : state.inUse().trustPem();
        ProbeIdentity made = new ProbeIdentity(nextPem, state.step(),
                SslContexts.forClusterMembers(trusted, issued.certificatePem(), issued.keyPem()), issued.notAfter(),
                sameStep ? known.passed() : ConcurrentHashMap.newKeySet());
        probeIdentities.put(key, made);
        return made;
    }

    /**
     * The CA Secret's new state, as a merge patch on the condition that the Secret is still the one read (its
     * resourceVersion: a 409 if it changed since, and the next pass reads it anew). A patch, since the operator
     * may patch Secrets but not replace them; nulls delete the new CA's keys and the step once done.
     */
    private void writeCa(Secret read, CaRotationPlan.CaState state) {
        Map<String, Object> data = new HashMap<>();
        data.put(ClusterCertificates.CA_CERT, base64(state.current().certificatePem()));
        data.put(ClusterCertificates.CA_KEY, base64(state.current().keyPem()));
        data.put(CaRotationPlan.NEXT_CERT, state.next() == null ? null : base64(state.next().certificatePem()));
        data.put(CaRotationPlan.NEXT_KEY, state.next() == null ? null : base64(state.next().keyPem()));
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(CaRotationPlan.STEP, state.step().annotation());
        annotations.put(CaRotationPlan.STEP_SINCE, state.stepSince() == null ? null : state.stepSince().toString());
        annotations.put(CaRotationPlan.ROTATED_FOR, state.rotatedFor());
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("resourceVersion", read.getMetadata().getResourceVersion());
        metadata.put("annotations", annotations);
        String patch;
        try {
            patch = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                    Map.of("metadata", metadata, "data", data));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        client.secrets().inNamespace(read.getMetadata().getNamespace()).withName(read.getMetadata().getName())
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), patch);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * The certificate of the user's that the spec names for the client ports, read from its Secret and judged;
     * a Secret that cannot be read (refused, a timeout) is judged as one that is not good.
     */
    ServerCertificate serverCertificate(KVCluster cluster, String secretName) {
        Secret secret;
        try {
            secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(secretName).get();
        } catch (KubernetesClientException e) {
            return ServerCertificate.unreadable(secretName, e.getMessage());
        }
        return ServerCertificate.judge(secretName, secret == null ? null : secret.getType(), decoded(secret), cluster,
                clock.instant());
    }

    /** The ca.crt of a Secret the stores mount for their client ports. */
    SecretCa caOf(KVCluster cluster, String secretName) {
        try {
            Secret secret = client.secrets().inNamespace(cluster.getMetadata().getNamespace()).withName(secretName).get();
            if (secret == null) {
                return new SecretCa(false, null);
            }
            String pem = decoded(secret).get(ServerCertificate.CA);
            return new SecretCa(true, pem == null || pem.isBlank() || !readsAsCertificates(pem) ? null : pem);
        } catch (KubernetesClientException e) {
            return new SecretCa(false, null);
        }
    }

    private static boolean readsAsCertificates(String pem) {
        try {
            return !CertificateAuthority.Pem.certificates(pem).isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return when the stores' certificate in force expires (the one kept, or the one just issued) */
    private Instant keepStoreCertificate(KVCluster cluster, CaInUse ca, Instant now, ClientPortCas clientPortCas) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = cluster.getMetadata().getName();
        // never taken over: a Secret or ConfigMap of these names that is not this cluster's (cert-manager's, a
        // user's) is left as it is, and said
        var caCertificate = client.configMaps().inNamespace(namespace).withName(KvNames.caCertificate(name)).get();
        refuseForeign(caCertificate, cluster, "ConfigMap " + KvNames.caCertificate(name));
        String published = caCertificate == null || caCertificate.getData() == null ? null
                : caCertificate.getData().get(ClusterCertificates.CA_CERT);
        String bundle = ClusterCertificates.caBundleToPublish(ca, published, clientPortCas.pems(), clientPortCas.complete());
        if (!bundle.equals(published)) {
            // written when it differs only: a pass runs every second
            client.resource(ClusterCertificates.caConfigMap(cluster, bundle)).fieldManager(KvNames.FIELD_MANAGER)
                    .forceConflicts().serverSideApply();
        }
        Secret tls = client.secrets().inNamespace(namespace).withName(KvNames.tlsSecret(name)).get();
        refuseForeign(tls, cluster, "Secret " + KvNames.tlsSecret(name));
        String key = namespace + "/" + name;
        GoodCertificate good = goodCertificates.get(key);
        long generation = cluster.getMetadata().getGeneration() == null ? 0 : cluster.getMetadata().getGeneration();
        if (tls != null && good != null && good.resourceVersion().equals(tls.getMetadata().getResourceVersion())
                && good.caPem().equals(ca.trustPem() + ca.signer().certificatePem()) && good.generation() == generation
                && now.isBefore(good.dueAt())) {
            return good.notAfter();
        }
        String why = ClusterCertificates.renewalReason(decoded(tls), ca, cluster, now);
        if (why == null) {
            Instant notAfter = CertificateAuthority.Pem.certificate(decoded(tls).get(ClusterCertificates.TLS_CERT))
                    .getNotAfter().toInstant();
            goodCertificates.put(key, new GoodCertificate(tls.getMetadata().getResourceVersion(),
                    ca.trustPem() + ca.signer().certificatePem(), generation,
                    notAfter.minus(ClusterCertificates.renewBefore(cluster)), notAfter));
            return notAfter;
        } else {
            CertificateAuthority.Issued issued = ca.signer().issue(ClusterCertificates.storeCommonName(cluster),
                    ClusterCertificates.dnsNames(cluster),
                    ClusterCertificates.ipAddresses(), now, ClusterCertificates.validityFrom(cluster, ca.signer(), now));
            client.resource(ClusterCertificates.tlsSecret(cluster, ca, issued)).fieldManager(KvNames.FIELD_MANAGER)
                    .forceConflicts().serverSideApply();
            LOG.infof("%s/%s: issued the stores' certificate (%s), valid until %s", namespace, name, why,
                    issued.notAfter());
            return issued.notAfter();
        }
    }

    private static void refuseForeign(io.fabric8.kubernetes.api.model.HasMetadata existing, KVCluster cluster, String what) {
        if (existing == null) {
            return;
        }
        var owners = existing.getMetadata().getOwnerReferences();
        boolean ours = owners != null && owners.stream().anyMatch(o -> cluster.getMetadata().getUid().equals(o.getUid()));
        if (!ours) {
            throw new IllegalStateException(what + " exists and is not this cluster's: it is left as it is; rename or "
                    + "delete it, or set spec.tls.enabled: false");
        }
    }

    private SSLContext adminContext(KVCluster cluster, CaInUse ca, Instant now) {
        String key = cluster.getMetadata().getNamespace() + "/" + cluster.getMetadata().getName();
        AdminIdentity known = adminIdentities.get(key);
        CertificateAuthority signer = ca.signer();
        if (known != null && known.signerPem().equals(signer.certificatePem()) && known.trustPem().equals(ca.trustPem())
                && (now.isBefore(known.notAfter().minus(ADMIN_CLIENT_RENEW_BEFORE))
                    // capped at the CA's expiry: issuing again would not last longer
                    || !known.notAfter().isBefore(signer.notAfter()))) {
            return known.context();
        }
        Duration caLeft = Duration.between(now, signer.notAfter());
        CertificateAuthority.Issued issued = signer.issue(KvNames.ADMIN_CLIENT, List.of(), List.of(), now,
                caLeft.compareTo(ADMIN_CLIENT_VALIDITY) < 0 ? caLeft : ADMIN_CLIENT_VALIDITY);
        SSLContext context = SslContexts.forClusterMembers(ca.trustPem(), issued.certificatePem(), issued.keyPem());
        adminIdentities.put(key, new AdminIdentity(signer.certificatePem(), ca.trustPem(), context, issued.notAfter()));
        return context;
    }

    /**
     * The cluster's CA and its rotation's state: read from its Secret, or made once when there is none (two
     * passes at once: one wins).
     */
    private CaRead caOf(KVCluster cluster) {
        String namespace = cluster.getMetadata().getNamespace();
        String secretName = KvNames.caSecret(cluster.getMetadata().getName());
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        KnownCa known = knownCas.get(namespace + "/" + secretName);
        if (secret != null && known != null && known.resourceVersion().equals(secret.getMetadata().getResourceVersion())) {
            String expired = ClusterCertificates.expiryProblem(known.state(), cluster, clock.instant());
            if (expired != null) {
                throw new IllegalStateException(expired);
            }
            return new CaRead(secret, known.state());
        }
        Map<String, String> existing = decoded(secret);
        Map<String, String> labels = secret == null ? null : secret.getMetadata().getLabels();
        if (existing == null) {
            CertificateAuthority made = CertificateAuthority.create(cluster.getMetadata().getName() + "-ca", clock.instant(),
                    ClusterCertificates.CA_VALIDITY);
            try {
                // a request already on the cluster is answered by this CA: it is not replaced at once
                client.resource(ClusterCertificates.caSecret(cluster, made, requestOf(cluster))).create();
                return new CaRead(null, new CaRotationPlan.CaState(made, null, CaRotationPlan.Step.NONE, null,
                        requestOf(cluster)));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // made meanwhile by another pass, or by someone else: checked like any other
                secret = client.secrets().inNamespace(namespace).withName(secretName).get();
                existing = decoded(secret);
                labels = secret == null ? null : secret.getMetadata().getLabels();
            }
        }
        String problem = ClusterCertificates.caProblem(labels, existing, cluster);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        Map<String, String> annotations = secret == null || secret.getMetadata().getAnnotations() == null ? Map.of()
                : secret.getMetadata().getAnnotations();
        CaRotationPlan.Step step;
        try {
            step = CaRotationPlan.Step.of(annotations.get(CaRotationPlan.STEP));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Secret " + secretName + ": annotation " + CaRotationPlan.STEP + "="
                    + annotations.get(CaRotationPlan.STEP) + " is no step of a CA rotation (trust, serve)");
        }
        CertificateAuthority next = existing.containsKey(CaRotationPlan.NEXT_CERT) ? CertificateAuthority.fromPem(
                existing.get(CaRotationPlan.NEXT_CERT), existing.get(CaRotationPlan.NEXT_KEY)) : null;
        if (step != CaRotationPlan.Step.NONE && next == null) {
            throw new IllegalStateException("Secret " + secretName + ": a CA rotation is at step " + step.annotation()
                    + " and the new CA (" + CaRotationPlan.NEXT_CERT + ", " + CaRotationPlan.NEXT_KEY + ") is missing: "
                    + "write it back (the stores trust it, and at step serve show certificates of it); only at step "
                    + "trust may the annotation " + CaRotationPlan.STEP + " be removed instead");
        }
        Instant since;
        try {
            String written = annotations.get(CaRotationPlan.STEP_SINCE);
            since = written == null ? null : Instant.parse(written);
        } catch (java.time.format.DateTimeParseException e) {
            since = null; // not the operator's writing: at step trust the grace begins again
        }
        CaRotationPlan.CaState state = new CaRotationPlan.CaState(CertificateAuthority.fromPem(
                existing.get(ClusterCertificates.CA_CERT), existing.get(ClusterCertificates.CA_KEY)),
                step == CaRotationPlan.Step.NONE ? null : next, step, step == CaRotationPlan.Step.NONE ? null : since,
                annotations.get(CaRotationPlan.ROTATED_FOR));
        String expired = ClusterCertificates.expiryProblem(state, cluster, clock.instant());
        if (expired != null) {
            throw new IllegalStateException(expired);
        }
        if (secret != null) {
            knownCas.put(namespace + "/" + secretName, new KnownCa(secret.getMetadata().getResourceVersion(), state));
        }
        return new CaRead(secret, state);
    }

    private static Map<String, String> decoded(Secret secret) {
        if (secret == null) {
            return null;
        }
        Map<String, String> values = new HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (secret.getStringData() != null) {
            values.putAll(secret.getStringData());
        }
        return values;
    }
}
