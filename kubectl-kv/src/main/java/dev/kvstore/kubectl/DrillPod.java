package dev.kvstore.kubectl;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The drill's writer: a pod of the cluster's own image (it has bash and redis-cli) that SETs {@code <prefix>-i}
 * to {@code v<i>} through the cluster's {@code -rw} Service as an application would (labelled as the cluster's
 * client, authenticated as user default, over TLS with the cluster's CA when the cluster has TLS), one log line
 * per reply, until {@code /tmp/stop} exists; then it stays, so that the drill reads the keys back from it. It
 * meets the restricted Pod Security Standard, as the stores do.
 */
final class DrillPod {

    /** R INDEX MICROS REPLY per SET; "stopped" once /tmp/stop is seen. */
    static final String WRITER = """
            i=0
            while [ ! -e /tmp/stop ]; do
              i=$((i+1))
              out=$(timeout 3 redis-cli $KV_TLS -h "$KV_SERVICE" -p 6379 SET "$KV_PREFIX-$i" "v$i" 2>&1 | tr '\\n' ' ')
              echo "R $i ${EPOCHREALTIME/./} $out"
              if [ "$KV_PAUSE" != 0 ]; then sleep "$KV_PAUSE"; fi
            done
            echo stopped
            exec sleep infinity
            """;

    /**
     * GET of keys $1..$2 through the -rw Service from one redis-cli: one line per reply (empty for an absent key),
     * its errors on the same stream, then {@code END <status>}; {@link ReadBackBatch} tells a whole answer from one
     * cut short. KV_PORT serves a test against a local Redis.
     */
    static final String READER = """
            seq "$1" "$2" | sed "s/.*/GET $KV_PREFIX-&/" | redis-cli $KV_TLS -h "$KV_SERVICE" -p "${KV_PORT:-6379}" 2>&1
            echo "END $?"
            """;

    private DrillPod() {
    }

    /**
     * @param pauseSeconds sleep between SETs ("0": as fast as one redis-cli at a time goes)
     * @param usersSecret  the Secret with user default's password
     * @param caConfigMap  the ConfigMap with the cluster's CA certificate, or null without TLS
     */
    static Pod of(String name, String namespace, String cluster, String image, String prefix, String pauseSeconds,
                  String usersSecret, String caConfigMap) {
        var env = new ArrayList<io.fabric8.kubernetes.api.model.EnvVar>();
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("KV_SERVICE").withValue(cluster + "-rw").build());
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("KV_PREFIX").withValue(prefix).build());
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("KV_PAUSE").withValue(pauseSeconds).build());
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("KV_TLS")
                .withValue(caConfigMap == null ? "" : "--tls --cacert /etc/kv-ca/ca.crt").build());
        // redis-cli reads the password from REDISCLI_AUTH: never on a command line
        env.add(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("REDISCLI_AUTH").withNewValueFrom()
                .withNewSecretKeyRef().withName(usersSecret).withKey("default").endSecretKeyRef().endValueFrom().build());
        PodBuilder pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("app.kubernetes.io/name", "kubectl-kv-drill")
                .addToLabels("kvstore.dev/client-of", cluster).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withTerminationGracePeriodSeconds(1L)
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(185L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .addNewContainer().withName("writer").withImage(image).withImagePullPolicy("IfNotPresent")
                .withCommand("bash", "-c", WRITER)
                .withEnv(env)
                .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .endContainer()
                .endSpec();
        if (caConfigMap != null) {
            pod.editSpec().addNewVolume().withName("kv-ca").withNewConfigMap().withName(caConfigMap).endConfigMap()
                    .endVolume().editFirstContainer().addNewVolumeMount().withName("kv-ca").withMountPath("/etc/kv-ca")
                    .withReadOnly(true).endVolumeMount().endContainer().endSpec();
        }
        return pod.build();
    }
}
