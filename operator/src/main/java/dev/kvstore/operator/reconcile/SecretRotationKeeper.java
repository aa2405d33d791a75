package dev.kvstore.operator.reconcile;

import dev.kvstore.core.admin.ClusterSecrets;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.SecretRotationPlan;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries a cluster secret rotation on by one step when every store holds the step before
 * ({@link SecretRotationPlan}); the stores read their mounted Secret again by themselves.
 */
final class SecretRotationKeeper {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(SecretRotationKeeper.class);

    /** The pass's answer when the Secret changed between its read and its write: nothing said, next pass. */
    static final SecretRotationPlan CHANGED_UNDER_THIS_PASS = new SecretRotationPlan(null, null, null, null, null, null, null);

    private final KubernetesClient client;

    SecretRotationKeeper(KubernetesClient client) {
        this.client = client;
    }

    /** One pass: reads the Secret and the stores' reports, writes the next step when due; null without a Secret. */
    SecretRotationPlan advance(KVCluster cluster, List<Pod> pods, Map<String, NodeStatus> statuses,
                               boolean updateRolling) {
        String namespace = cluster.getMetadata().getNamespace();
        String name = KvNames.secretOf(cluster);
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null || secret.getData() == null || !secret.getData().containsKey(KvNames.SECRET_KEY)) {
            return null;
        }
        Map<String, String> annotations = secret.getMetadata().getAnnotations() == null ? Map.of()
                : secret.getMetadata().getAnnotations();
        SecretRotationPlan.SecretState state = new SecretRotationPlan.SecretState(
                ClusterSecrets.parse(new String(Base64.getDecoder().decode(secret.getData().get(KvNames.SECRET_KEY)),
                        StandardCharsets.UTF_8)),
                annotations.get(SecretRotationPlan.ROTATED_FOR), annotations.get(SecretRotationPlan.ROTATING_TO));
        List<String> running = pods.stream().filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
                .map(pod -> pod.getMetadata().getName()).toList();
        Map<String, List<String>> answered = new HashMap<>();
        statuses.forEach((pod, status) -> answered.put(pod, status == null ? null : status.secretFingerprints()));
        Map<String, List<String>> reported = SecretRotationPlan.reports(cluster.getMetadata().getName(),
                cluster.getSpec().getReplicas(), running, answered);
        String request = cluster.getMetadata().getAnnotations() == null ? null
                : cluster.getMetadata().getAnnotations().get(SecretRotationPlan.REQUEST);
        boolean operators = name.equals(KvNames.generatedSecret(cluster.getMetadata().getName()));
        SecretRotationPlan plan = SecretRotationPlan.decide(request, operators, name, state, reported, updateRolling,
                dev.kvstore.core.admin.SecretRotation::newSecret);
        if (plan.changesSecret(state)) {
            try {
                write(secret, state, plan);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // changed since it was read (by a user, or a kubelet-unrelated writer): the next pass reads it anew;
                // the rest of this pass (failover, status) goes on
                LOG.infof("%s/%s: cluster secret rotation: the Secret changed since read, next pass: %s", namespace,
                        cluster.getMetadata().getName(), e.getMessage());
                return CHANGED_UNDER_THIS_PASS;
            }
            LOG.infof("%s/%s: cluster secret rotation: %s", namespace, cluster.getMetadata().getName(), plan.message());
        }
        return plan;
    }

    /**
     * Server-side apply of the value and the rotation's annotations, on the condition that the Secret is still
     * the one read (its resourceVersion): a concurrent change fails this pass, and the next reads it anew.
     */
    private void write(Secret read, SecretRotationPlan.SecretState state, SecretRotationPlan plan) {
        Map<String, String> annotations = new HashMap<>();
        if (plan.rotatedFor() != null) {
            annotations.put(SecretRotationPlan.ROTATED_FOR, plan.rotatedFor());
        }
        if (plan.rotatingTo() != null) {
            annotations.put(SecretRotationPlan.ROTATING_TO, plan.rotatingTo());
        }
        ClusterSecrets value = plan.write() != null ? plan.write() : state.written();
        Secret applied = new SecretBuilder().withNewMetadata().withName(read.getMetadata().getName())
                .withNamespace(read.getMetadata().getNamespace())
                .withResourceVersion(read.getMetadata().getResourceVersion())
                .withAnnotations(annotations).endMetadata()
                .withData(Map.of(KvNames.SECRET_KEY,
                        Base64.getEncoder().encodeToString(value.text().getBytes(StandardCharsets.UTF_8))))
                .build();
        client.resource(applied).fieldManager(KvNames.FIELD_MANAGER).forceConflicts().serverSideApply();
    }
}
