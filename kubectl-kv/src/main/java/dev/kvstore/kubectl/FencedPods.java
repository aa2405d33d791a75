package dev.kvstore.kubectl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
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

    private static String unreadable(String value) {
        return "the annotation " + ANNOTATION + " is not a JSON list of pod names: " + value + " (fix it with kubectl "
                + "annotate --overwrite, for example to [\"kv-2\"]; the operator changes no fence meanwhile)";
    }
}
