package dev.kvstore.kubectl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A KVCluster as {@code kubectl kv status} shows it: what the operator observed (its status: phase, primary,
 * epoch, each store's role, offset and lag, the last failovers, the conditions, when each certificate expires)
 * joined with what Kubernetes says of each pod (phase, restarts, node) and the cluster's latest backups. Built
 * from plain maps, as the API server returns them, so that it is tested without one.
 */
public record ClusterView(String name, String namespace, String phase, String primary, long epoch,
                          List<Member> members, List<Failover> failovers, List<Condition> conditions,
                          List<Certificate> certificates, List<Backup> backups) {

    /** How many of the cluster's backups are shown, newest first. */
    static final int BACKUPS_SHOWN = 5;

    /** A certificate in force: the Secret it is in, when it expires, and the whole days left from the view's time. */
    public record Certificate(String secret, String notAfter, long daysLeft) {
    }

    /** A KVBackup of the cluster: as its status says (empty strings and zeros until the operator wrote them). */
    public record Backup(String name, String created, String phase, String completedAt, String store, long keys,
                         long bytes, String message) {
    }

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
    public static ClusterView of(String name, String namespace, Map<String, Object> status, List<PodFacts> pods) {
        return of(name, namespace, status, pods, List.of(), java.time.Instant.now());
    }

    /**
     * @param backups the namespace's KVBackups (whole objects as maps); those of this cluster are kept; null when
     *                they could not be listed (the view's backups are null then, not empty)
     * @param now     what the days left of each certificate count from
     */
    @SuppressWarnings("unchecked")
    public static ClusterView of(String name, String namespace, Map<String, Object> status, List<PodFacts> pods,
                                 List<Map<String, Object>> backups, java.time.Instant now) {
        Map<String, Object> observed = status == null ? Map.of() : status;
        Map<String, Member> members = new LinkedHashMap<>();
        Map<String, PodFacts> podsByName = new LinkedHashMap<>();
        pods.forEach(pod -> podsByName.put(pod.name(), pod));
        for (Object item : (List<Object>) observed.getOrDefault("instances", List.of())) {
            Map<String, Object> instance = (Map<String, Object>) item;
            String pod = text(instance.get("name"));
            PodFacts facts = podsByName.get(pod);
            // a store fenced for maintenance reports no role of its own ("none"): its role is its fence
            String role = Boolean.TRUE.equals(instance.get("fenced")) ? "fenced" : text(instance.get("role"));
            members.put(pod, new Member(pod, role, Boolean.TRUE.equals(instance.get("ready")),
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
        List<Certificate> certificates = new ArrayList<>();
        for (Object item : (List<Object>) observed.getOrDefault("certificates", List.of())) {
            Map<String, Object> certificate = (Map<String, Object>) item;
            String notAfter = text(certificate.get("notAfter"));
            long daysLeft;
            try {
                daysLeft = java.time.Duration.between(now, java.time.Instant.parse(notAfter)).toDays();
            } catch (java.time.format.DateTimeParseException e) {
                daysLeft = 0;
            }
            certificates.add(new Certificate(text(certificate.get("secret")), notAfter, daysLeft));
        }
        return new ClusterView(name, namespace, text(observed.get("phase")), text(observed.get("primary")),
                number(observed.get("epoch")), sorted, failovers, conditions, certificates, backupsOf(name, backups));
    }

    @SuppressWarnings("unchecked")
    private static List<Backup> backupsOf(String cluster, List<Map<String, Object>> objects) {
        if (objects == null) {
            return null;
        }
        List<Backup> backups = new ArrayList<>();
        for (Map<String, Object> object : objects) {
            Map<String, Object> spec = (Map<String, Object>) object.getOrDefault("spec", Map.of());
            if (!cluster.equals(spec.get("cluster"))) {
                continue;
            }
            Map<String, Object> metadata = (Map<String, Object>) object.getOrDefault("metadata", Map.of());
            Map<String, Object> status = object.get("status") instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
            backups.add(new Backup(text(metadata.get("name")), text(metadata.get("creationTimestamp")),
                    status.isEmpty() ? "Pending" : text(status.get("phase")), text(status.get("completedAt")),
                    text(status.get("store")), number(status.get("keys")), number(status.get("bytes")),
                    text(status.get("message"))));
        }
        // newest first (ISO times sort as text), then by name: backups made in the same second
        backups.sort(java.util.Comparator.comparing(Backup::created).thenComparing(Backup::name).reversed());
        return List.copyOf(backups.subList(0, Math.min(BACKUPS_SHOWN, backups.size())));
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
