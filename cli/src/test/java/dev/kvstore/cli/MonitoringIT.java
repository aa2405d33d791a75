package dev.kvstore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kvstore.cli.local.LocalClusterSettings;
import dev.kvstore.cli.local.NodeProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's monitoring (helm/kvcluster-operator, monitoring.*): its alert rules are valid and fire when,
 * and only when, they should (Prometheus's own promtool, on series made for each alert), and every metric
 * the rules and the Grafana dashboard use is one a running store serves. Rendered by helm as users install it.
 */
class MonitoringIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A metric name in PromQL: ours and the JVM's. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:kv|jvm|process)_[A-Za-z0-9_:]+)");

    private static List<JsonNode> rendered;

    @TempDir
    Path dir;

    @BeforeAll
    static void renderTheChart() throws Exception {
        String helm = tool("KV_HELM", "helm (./test exports KV_HELM, built by hack/k8s-binaries.sh)");
        String out = run(List.of(helm, "template", "kvo", projectRoot().resolve("helm/kvcluster-operator").toString(),
                "--namespace", "kv-system", "--set", "monitoring.podMonitor.enabled=true",
                "--set", "monitoring.prometheusRule.enabled=true", "--set", "monitoring.grafanaDashboard.enabled=true"));
        rendered = new ArrayList<>();
        try (var docs = YAML.readerFor(JsonNode.class).readValues(out)) {
            while (docs.hasNext()) {
                JsonNode doc = (JsonNode) docs.next();
                if (doc != null && doc.has("kind")) {
                    rendered.add(doc);
                }
            }
        }
    }

    private static JsonNode only(String kind) {
        List<JsonNode> found = rendered.stream().filter(doc -> kind.equals(doc.get("kind").asText())).toList();
        assertThat(found).as(kind + " objects in the rendered chart").hasSize(1);
        return found.get(0);
    }

    private static JsonNode dashboard() throws IOException {
        return JSON.readTree(only("ConfigMap").get("data").get("kvcluster.json").asText());
    }

    @Test
    void the_alert_rules_are_valid_and_each_fires_when_and_only_when_it_should() throws Exception {
        String promtool = tool("KV_PROMTOOL", "promtool (./test exports KV_PROMTOOL, built by hack/promtool.sh)");
        Files.writeString(dir.resolve("rules.yaml"), YAML.writeValueAsString(only("PrometheusRule").get("spec")));
        Files.copy(MonitoringIT.class.getResourceAsStream("/monitoring/alerts.test.yaml"), dir.resolve("alerts.test.yaml"));

        assertThat(run(List.of(promtool, "check", "rules", dir.resolve("rules.yaml").toString())))
                .contains("SUCCESS: 14 rules found");
        assertThat(run(List.of(promtool, "test", "rules", dir.resolve("alerts.test.yaml").toString())))
                .contains("SUCCESS");
    }

    @Test
    void every_alert_is_tested_and_has_a_runbook_section_in_the_readme() throws Exception {
        String tests = new String(MonitoringIT.class.getResourceAsStream("/monitoring/alerts.test.yaml").readAllBytes(),
                StandardCharsets.UTF_8);
        String readme = Files.readString(projectRoot().resolve("README.md"));
        for (JsonNode rule : only("PrometheusRule").at("/spec/groups/0/rules")) {
            String alert = rule.get("alert").asText();
            assertThat(tests).as("a promtool test of " + alert).contains("alertname: " + alert + "\n");
            String runbook = rule.at("/annotations/runbook").asText();
            assertThat(runbook).startsWith("README.md, Runbook: ");
            assertThat(readme).as("the README's runbook section").contains("#### " + runbook.substring("README.md, Runbook: ".length()) + "\n");
        }
    }

    @Test
    void every_metric_the_rules_and_the_dashboard_use_is_served_by_a_running_store() throws Exception {
        Set<String> used = new TreeSet<>();
        for (JsonNode rule : only("PrometheusRule").at("/spec/groups/0/rules")) {
            used.addAll(metricsIn(rule.get("expr").asText()));
        }
        JsonNode dashboard = dashboard();
        assertThat(dashboard.get("uid").asText()).isEqualTo("kvcluster");
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                used.addAll(metricsIn(target.get("expr").asText()));
            }
        }
        assertThat(used).as("metrics the chart uses").hasSizeGreaterThan(15);
        // the operator's (backups, certificates): checked against what it registers, in the operator's OperatorMetricsTest
        assertThat(used).anyMatch(name -> name.startsWith("kv_operator_"));
        used.removeIf(name -> name.startsWith("kv_operator_"));

        Set<String> served = new TreeSet<>();
        try (ClusterFixture fixture = new ClusterFixture("monitoring", LocalClusterSettings.defaults(2))) {
            fixture.start();
            // a write and an HTTP request, so that every timer and counter has been touched
            fixture.client.putWithRetry("k", "v".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(20));
            for (NodeProcess node : fixture.cluster.nodes()) {
                String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(node.managementUrl() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                text.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                        .map(line -> line.split("[{ ]", 2)[0]).forEach(served::add);
            }
        }
        assertThat(served).as("metrics the stores serve").containsAll(used);
    }

    private static Set<String> metricsIn(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = METRIC.matcher(promql);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        names.remove("kv_cluster"); // a label (the PodMonitor's, from the pod's), not a metric
        return names;
    }

    private static String tool(String variable, String what) {
        String path = System.getenv(variable);
        if (path == null || !Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException("missing " + what + ": " + variable + "=" + path);
        }
        return path;
    }

    private static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("helm")) ? here : here.getParent();
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }
}
