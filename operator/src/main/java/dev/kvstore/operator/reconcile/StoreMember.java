package dev.kvstore.operator.reconcile;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;

/** A store pod as the failover sees it: reached by its pod IP; no IP means it cannot answer. */
record StoreMember(String name, String podIp, Pod pod) implements FailoverProcedure.Member {

    static StoreMember of(String name, Pod pod) {
        String ip = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        boolean deleting = pod != null && pod.getMetadata().getDeletionTimestamp() != null;
        return new StoreMember(name, ip == null || ip.isBlank() || deleting ? null : ip, pod);
    }

    @Override
    public String httpUrl() {
        return podIp == null ? null : "http://" + podIp + ":" + KvNames.HTTP_PORT;
    }

    @Override
    public String replicationAddress() {
        return podIp + ":" + KvNames.REPLICATION_PORT;
    }

    boolean podReady() {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
