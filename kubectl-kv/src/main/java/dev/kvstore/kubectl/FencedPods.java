package dev.kvstore.kubectl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The KVCluster's annotation {@value #ANNOTATION}: a JSON list of the pods to fence for maintenance, which the
 * operator acts on. Edited here by adding or removing one pod; a value that is not such a list is refused rather
 * than overwritten (the operator keeps every fence as it is while it cannot read it; the user fixes it by hand).
 */
final class FencedPods {

    static final String ANNOTATION = "kvstore.dev/fenced-pods";
    private static final ObjectMapper JSON = new ObjectMapper();

    private FencedPods() {
    }

    /** The pods named by the annotation's value (absent or blank: none). */
    static List<String> parse(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        JsonNode list;
        try {
            list = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            list = null;
        }
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(unreadable(value));
        }
        TreeSet<String> pods = new TreeSet<>();
        for (JsonNode item : list) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException(unreadable(value));
            }
            pods.add(item.asText());
        }
        return List.copyOf(pods);
    }

    /** The annotation's new value with {@code pod} added (fence) or removed (unfence); null when no pod is left. */
    static String edited(String value, String pod, boolean fence) {
        TreeSet<String> pods = new TreeSet<>(parse(value));
        if (fence) {
            pods.add(pod);
        } else {
            pods.remove(pod);
        }
        if (pods.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(pods);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The operator's lasting refusal of the fences the annotation asks for now, as it said it, or null: condition
     * {@code Fenced} with reason {@code WouldStopWrites}, said of exactly this list (the operator names the list it
     * judged, so a refusal of the list before an edit is not taken for one of the list after it).
     *
     * @param condition  the KVCluster's condition Fenced, or null
     * @param annotation the annotation's value now
     * @param generation the KVCluster's generation now: a refusal of an older spec (minSyncReplicas lowered since) is
     *                   not taken as lasting
     */
    static String refusal(Map<?, ?> condition, String annotation, Long generation) {
        if (condition == null || !"WouldStopWrites".equals(condition.get("reason"))
                || !(condition.get("observedGeneration") instanceof Number observed)
                || generation == null || observed.longValue() != generation) {
            return null;
        }
        List<String> asked;
        try {
            asked = parse(annotation);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
        String message = String.valueOf(condition.get("message"));
        return !asked.isEmpty() && message.contains("fencing " + String.join(", ", asked) + " would leave") ? message : null;
    }

    private static String unreadable(String value) {
        return "the annotation " + ANNOTATION + " is not a JSON list of pod names: " + value + " (fix it with kubectl "
                + "annotate --overwrite, for example to [\"kv-2\"]; the operator changes no fence meanwhile)";
    }
}
