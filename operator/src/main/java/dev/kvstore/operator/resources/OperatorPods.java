package dev.kvstore.operator.resources;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the operator's own pods run and the labels that select them: the NetworkPolicy lets them, and
 * only them besides the cluster's pods, reach the stores' admin port. Unknown (null namespace) when the
 * operator does not run in a pod (tests, a developer's machine): no pod rule can match it then.
 */
public record OperatorPods(String namespace, Map<String, String> labels) {

    public static OperatorPods unknown() {
        return new OperatorPods(null, Map.of());
    }

    /** From the chart's settings: a namespace and a selector written {@code key=value,key=value}. */
    public static OperatorPods of(String namespace, String selector) {
        if (namespace == null || namespace.isBlank() || selector == null || selector.isBlank()) {
            return unknown();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : selector.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("operator pod selector: expected key=value pairs separated by "
                        + "commas, got '" + selector + "'");
            }
            labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return new OperatorPods(namespace.trim(), Map.copyOf(labels));
    }

    public boolean known() {
        return namespace != null;
    }
}
