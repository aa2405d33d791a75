package dev.kvstore.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Failover times per fault kind, from the disruption to the first write the new primary acknowledged: one
 * run each on every change, {@code KV_E2E_FAULT_RUNS=5 hack/kind-e2e.sh} for the median and the maximum over
 * several (the on-request statistics of the report).
 */
final class FaultStatistics {

    private final Map<String, List<Long>> millisByKind = new LinkedHashMap<>();

    synchronized void add(String kind, long millis) {
        millisByKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(millis);
    }

    /** A line per fault kind: runs, median (the lower middle of an even count), maximum, every run in order. */
    synchronized List<String> report() {
        List<String> lines = new ArrayList<>();
        millisByKind.forEach((kind, millis) -> {
            List<Long> sorted = millis.stream().sorted().toList();
            lines.add("statistics " + kind + ": runs=" + millis.size() + " median-ms=" + sorted.get((sorted.size() - 1) / 2)
                    + " max-ms=" + sorted.get(sorted.size() - 1) + " all-ms=" + millis);
        });
        return lines;
    }
}
