package dev.kvstore.operator.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvstore.operator.model.KVCluster;
import dev.kvstore.operator.resources.KvNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pods the user asked to fence for maintenance: the KVCluster's annotation {@value KvNames#FENCED_PODS}, a JSON
 * list of pod names. An annotation that cannot be read changes nothing ({@code pods} null): read as "none", a typo
 * would unfence every store at once. Names of no pod of the cluster are left out and said in {@code problem}.
 *
 * @param pods    the pods to fence, or null when the annotation cannot be read (every store keeps its fence as is)
 * @param problem what is wrong with the annotation, or null
 */
record FenceRequest(Set<String> pods, String problem) {

    static final FenceRequest NONE = new FenceRequest(Set.of(), null);
    private static final ObjectMapper JSON = new ObjectMapper();

    static FenceRequest of(KVCluster cluster) {
        Map<String, String> annotations = cluster.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(KvNames.FENCED_PODS);
        return parse(value, cluster.getMetadata().getName());
    }

    static FenceRequest parse(String value, String clusterName) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        JsonNode list;
        try {
            list = JSON.readTree(value);
        } catch (java.io.IOException e) {
            list = null;
        }
        if (list == null || !list.isArray()) {
            return new FenceRequest(null, unreadable(value));
        }
        java.util.SortedSet<String> pods = new TreeSet<>();
        List<String> strangers = new ArrayList<>();
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                return new FenceRequest(null, unreadable(value));
            }
            String pod = item.asText();
            if (isPodOf(pod, clusterName)) {
                pods.add(pod);
            } else {
                strangers.add(pod);
            }
        }
        // sorted, so that messages name them in one order
        return new FenceRequest(java.util.Collections.unmodifiableSortedSet(pods), strangers.isEmpty() ? null : "annotation " + KvNames.FENCED_PODS
                + " names " + String.join(", ", strangers) + ", not pods of " + clusterName + " (" + clusterName
                + "-<ordinal>); left out, and no fence is lifted until the list names only pods of " + clusterName);
    }

    /** Whether the pod is to be fenced; false while the annotation cannot be read. */
    boolean wants(String pod) {
        return pods != null && pods.contains(pod);
    }

    private static boolean isPodOf(String pod, String clusterName) {
        String prefix = clusterName + "-";
        return pod.startsWith(prefix) && pod.length() > prefix.length()
                && pod.substring(prefix.length()).chars().allMatch(Character::isDigit)
                && (pod.length() == prefix.length() + 1 || pod.charAt(prefix.length()) != '0');
    }

    private static String unreadable(String value) {
        return "annotation " + KvNames.FENCED_PODS + " is not a JSON list of pod names (for example [\"kv-2\"]): "
                + (value.length() > 100 ? value.substring(0, 100) + "..." : value)
                + "; every store keeps its fence as it is until it is";
    }
}
