package dev.kvstore.operator;

import dev.kvstore.operator.reconcile.BackupMetrics;
import dev.kvstore.operator.reconcile.ClusterAdmins;
import dev.kvstore.operator.reconcile.KVBackupReconciler;
import dev.kvstore.operator.reconcile.KVClusterReconciler;
import dev.kvstore.operator.resources.OperatorPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;

/**
 * The operator: JOSDK with the KVCluster reconciler, optionally behind leader election so that
 * several replicas can run with one active. Free of Quarkus, so tests start it in-process.
 */
public final class KvOperator implements AutoCloseable {

    private final Operator operator;

    /**
     * @param leaseNamespace     where the leader-election Lease lives; null runs without leader election
     * @param exitOnStopLeading  exit the JVM when leadership is lost (in a pod: restart and rejoin the race)
     * @param operatorPods       the operator's own pods, let through to the stores' admin ports
     */
    public KvOperator(KubernetesClient client, MeterRegistry metrics, Set<String> namespaces, String leaseNamespace,
                      boolean exitOnStopLeading, OperatorPods operatorPods) {
        operator = new Operator(overrider -> {
            // an informer that stops (API server gone) must not exit the JVM: report, keep the process
            overrider.withKubernetesClient(client).withCloseClientOnStop(false)
                    .withInformerStoppedHandler((informer, error) -> org.jboss.logging.Logger.getLogger(KvOperator.class)
                            .errorf(error, "an informer stopped"));
            if (leaseNamespace != null) {
                overrider.withLeaderElectionConfiguration(new LeaderElectionConfiguration("kv-operator", leaseNamespace,
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, null, null, exitOnStopLeading));
            }
        });
        ClusterAdmins admins = new ClusterAdmins(client);
        operator.register(new KVClusterReconciler(client, metrics, operatorPods, admins), config -> {
            if (!namespaces.isEmpty()) {
                config.settingNamespaces(namespaces);
            }
        });
        operator.register(new KVBackupReconciler(client, admins, new BackupMetrics(metrics)), config -> {
            if (!namespaces.isEmpty()) {
                config.settingNamespaces(namespaces);
            }
        });
    }

    public KvOperator start() {
        operator.start();
        return this;
    }

    @Override
    public void close() {
        operator.stop();
    }
}
