package dev.kvstore.operator.reconcile;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.operator.resources.KvNames;
import dev.kvstore.operator.resources.TransportSecurity;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;

/** A store pod as the failover sees it: reached by its pod IP; no IP means it cannot answer. */
record StoreMember(String name, String podIp, Pod pod) implements FailoverProcedure.Member {

    static StoreMember of(String name, Pod pod) {
        boolean deleting = pod != null && pod.getMetadata().getDeletionTimestamp() != null;
        return new StoreMember(name, deleting ? null : podIpOf(pod), pod);
    }

    private static String podIpOf(Pod pod) {
        String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        return ip == null || ip.isBlank() ? null : ip;
    }

    /**
     * https by the pod's name through the headless Service (what its certificate covers) for a store whose
     * HTTP port is on TLS (it then speaks nothing else); else http by its IP.
     */
    private static String httpUrlOf(String ip, Pod pod) {
        if (ip == null) {
            return null;
        }
        if (!TransportSecurity.runsHttpTls(pod)) {
            return "http://" + ip + ":" + KvNames.HTTP_PORT;
        }
        String cluster = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(KvNames.CLUSTER_LABEL);
        return "https://" + KvNames.podDnsName(pod.getMetadata().getName(), cluster, pod.getMetadata().getNamespace())
                + ":" + KvNames.HTTP_PORT;
    }

    /** https for a store started with TLS (its admin port then speaks nothing else). */
    private static String adminUrlOf(String ip, Pod pod) {
        String scheme = TransportSecurity.runsWithTls(pod) ? "https" : "http";
        return ip == null ? null : scheme + "://" + ip + ":" + KvNames.ADMIN_PORT;
    }

    /**
     * Where a store of a release before the admin port answers admin calls: its HTTP port. The operator
     * meets such stores while it rolls a cluster from that release, or back to it.
     */
    static String olderReleaseAdminUrl(String adminUrl) {
        String suffix = ":" + KvNames.ADMIN_PORT;
        // a release before the admin port had no TLS either
        return adminUrl.endsWith(suffix) && adminUrl.startsWith("http://")
                ? adminUrl.substring(0, adminUrl.length() - suffix.length()) + ":" + KvNames.HTTP_PORT : null;
    }

    /** The same store with no address: it is not asked anything. */
    StoreMember unaddressed() {
        return new StoreMember(name, null, pod);
    }

    @Override
    public String adminUrl() {
        return adminUrlOf(podIp, pod);
    }

    @Override
    public String httpUrl() {
        return httpUrlOf(podIp, pod);
    }

    /** A terminating pod still runs its store until it is gone: it can be fenced, though it takes no part. */
    @Override
    public String fenceUrl() {
        return adminUrlOf(podIpOf(pod), pod);
    }

    @Override
    public String replicationAddress() {
        return podIp + ":" + KvNames.REPLICATION_PORT;
    }

    /** The id of the pod's running store container, or null when it is not running (or unknown). */
    static String runningContainerId(Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(c -> "store".equals(c.getName()))
                .filter(c -> c.getState() != null && c.getState().getRunning() != null)
                .map(ContainerStatus::getContainerID)
                .findFirst().orElse(null);
    }

    boolean podReady() {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
