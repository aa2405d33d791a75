package dev.kvstore.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import dev.kvstore.operator.resources.OperatorPods;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Starts the operator with Quarkus' Kubernetes client once the application is up. */
@ApplicationScoped
public class OperatorMain {

    private static final Logger LOG = Logger.getLogger(OperatorMain.class);
    private KvOperator operator;

    /**
     * @param namespaces     comma-separated namespaces to watch; empty watches all
     * @param leaseNamespace where the leader-election Lease lives; unset disables leader election
     */
    void start(@Observes StartupEvent event, KubernetesClient client, MeterRegistry metrics,
               @ConfigProperty(name = "kv.operator.namespaces") Optional<String> namespaces,
               @ConfigProperty(name = "kv.operator.lease-namespace") Optional<String> leaseNamespace,
               @ConfigProperty(name = "kv.operator.pod-namespace") Optional<String> podNamespace,
               @ConfigProperty(name = "kv.operator.pod-selector") Optional<String> podSelector) {
        Set<String> watched = namespaces.map(n -> Arrays.stream(n.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toSet())).orElse(Set.of());
        LOG.infof("starting the KVCluster operator; namespaces %s, leader election %s",
                watched.isEmpty() ? "all" : watched, leaseNamespace.map(n -> "in " + n).orElse("off"));
        OperatorPods self = OperatorPods.of(podNamespace.orElse(null), podSelector.orElse(null));
        if (!self.known()) {
            LOG.warn("kv.operator.pod-namespace or kv.operator.pod-selector unset: the clusters' NetworkPolicies "
                    + "cannot let this operator reach the stores' admin ports (fine outside a pod)");
        }
        operator = new KvOperator(client, metrics, watched, leaseNamespace.filter(n -> !n.isBlank()).orElse(null), true,
                self).start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (operator != null) {
            operator.close();
        }
    }
}
