package dev.kvstore.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A KVCluster as {@code kubectl kv status} shows it: what the operator observed (its status: phase, primary,
 * epoch, each store's role, offset and lag, the last failovers, the conditions) joined with what Kubernetes
 * says of each pod (phase, restarts, node). Built from plain maps, as the API server returns them, so that
 * it is tested without one.
 */
public record ClusterView(String name, String namespace, String phase, String primary, long epoch,
                          List<Member> members, List<Failover> failovers, List<Condition> conditions) {

    public record Member(String pod, String role, boolean ready, long epoch, long offset, long lag, String podPhase,
                         int restarts, String node) {
    }

    public record Failover(String time, String from, String to, String reason, long epoch, long durationMillis,
                           boolean possiblyLossy) {
    }

    public record Condition(String type, String status, String reason, String message) {
    }

    /** What Kubernetes says of one of the cluster's pods. */
    public record PodFacts(String name, String phase, int restarts, String node, String roleLabel) {
    }

    /**
     * @param status the KVCluster's {@code status} (null before the operator wrote one)
     * @param pods   the cluster's pods
     */
    @SuppressWarnings("unchecked")
    public static ClusterView of(String name, String namespace, Map<String, Object> status, List<PodFacts> pods) {
        Map<String, Object> observed = status == null ? Map.of() : status;
        Map<String, Member> members = new LinkedHashMap<>();
        Map<String, PodFacts> podsByName = new LinkedHashMap<>();
        pods.forEach(pod -> podsByName.put(pod.name(), pod));
        for (Object item : (List<Object>) observed.getOrDefault("instances", List.of())) {
            Map<String, Object> instance = (Map<String, Object>) item;
            String pod = text(instance.get("name"));
            PodFacts facts = podsByName.get(pod);
            members.put(pod, new Member(pod, text(instance.get("role")), Boolean.TRUE.equals(instance.get("ready")),
                    number(instance.get("epoch")), number(instance.get("offset")), number(instance.get("lag")),
                    facts == null ? "Missing" : facts.phase(), facts == null ? 0 : facts.restarts(),
                    facts == null ? "" : facts.node()));
        }
        for (PodFacts pod : pods) {
            // a pod the operator has not reported on yet (just made, or its store not answering)
            members.computeIfAbsent(pod.name(), absent -> new Member(pod.name(),
                    pod.roleLabel() == null ? "unknown" : pod.roleLabel(), false, 0, 0, 0, pod.phase(), pod.restarts(),
                    pod.node()));
        }
        List<Member> sorted = new ArrayList<>(members.values());
        sorted.sort((a, b) -> ordinalOf(a.pod()) - ordinalOf(b.pod()));
        List<Failover> failovers = new ArrayList<>();
        for (Object item : (List<Object>) observed.getOrDefault("lastFailovers", List.of())) {
            Map<String, Object> record = (Map<String, Object>) item;
            failovers.add(new Failover(text(record.get("time")), text(record.get("from")), text(record.get("to")),
                    text(record.get("reason")), number(record.get("epoch")), number(record.get("durationMillis")),
                    Boolean.TRUE.equals(record.get("possiblyLossy"))));
        }
        List<Condition> conditions = new ArrayList<>();
        for (Object item : (List<Object>) observed.getOrDefault("conditions", List.of())) {
            Map<String, Object> condition = (Map<String, Object>) item;
            conditions.add(new Condition(text(condition.get("type")), text(condition.get("status")),
                    text(condition.get("reason")), text(condition.get("message"))));
        }
        return new ClusterView(name, namespace, text(observed.get("phase")), text(observed.get("primary")),
                number(observed.get("epoch")), sorted, failovers, conditions);
    }

    private static int ordinalOf(String pod) {
        int dash = pod.lastIndexOf('-');
        try {
            return Integer.parseInt(pod.substring(dash + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
