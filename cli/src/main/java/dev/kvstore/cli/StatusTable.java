package dev.kvstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code kv status} prints: one row a store, columns aligned, as {@code kubectl get} does, so that
 * a person reads it at a glance (the raw answers are there with {@code -o json}).
 */
final class StatusTable {

    /** One store's answer to a status call, or why there was none. */
    record Row(String url, JsonNode status, String error) {
        static Row answered(String url, JsonNode status) {
            return new Row(url, status, null);
        }

        static Row unreachable(String url, String error) {
            return new Row(url, null, error);
        }
    }

    private static final List<String> HEADER = List.of("STORE", "ROLE", "EPOCH", "LAST OFFSET", "COMMITTED", "LAG",
            "STATE", "URL");

    private StatusTable() {
    }

    static String render(List<Row> rows) {
        List<List<String>> cells = new ArrayList<>();
        cells.add(HEADER);
        for (Row row : rows) {
            cells.add(row.status() == null ? unreachable(row) : answered(row));
        }
        int[] widths = new int[HEADER.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> line : cells) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                text.append(i == line.size() - 1 ? line.get(i) : pad(line.get(i), widths[i] + 2));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static List<String> unreachable(Row row) {
        return List.of("?", "-", "-", "-", "-", "-", "down: " + row.error(), row.url());
    }

    private static List<String> answered(Row row) {
        JsonNode s = row.status();
        String role = s.path("role").asText();
        boolean secondary = "secondary".equals(role);
        return List.of(s.path("nodeId").asText(), role, s.path("epoch").asText(), s.path("lastOffset").asText(),
                s.path("commitOffset").asText(), secondary ? s.path("lag").asText() : "-", state(s), row.url());
    }

    /** The one thing worth knowing about a store beyond its role, worst first. */
    private static String state(JsonNode s) {
        if (!s.path("diskFailure").isNull() && !s.path("diskFailure").isMissingNode()) {
            return "disk failed: " + s.path("diskFailure").asText();
        }
        if (s.path("maintenanceFenced").asBoolean()) {
            return "fenced for maintenance (kv unfence " + s.path("nodeId").asText() + ")";
        }
        if (s.path("fenced").asBoolean()) {
            return "fenced";
        }
        if ("secondary".equals(s.path("role").asText())) {
            return s.path("following").asBoolean() ? "following " + s.path("primary").asText("") : "connecting";
        }
        if ("primary".equals(s.path("role").asText())) {
            return s.path("connectedSecondaries").asInt() + " secondaries connected, " + s.path("mode").asText();
        }
        return "";
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
    }
}
