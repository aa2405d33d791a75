package dev.kvstore.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * What the cluster looked like when a test failed: resources, events and the last log lines of
 * the stores and the operator, appended to target/e2e-diagnostics.txt. A CI run shows only the
 * end of its output, and the cluster is gone by the time anyone looks, so hack/e2e.sh prints
 * this file when the suite fails.
 */
final class FailureDiagnostics implements TestWatcher, LifecycleMethodExecutionExceptionHandler {

    static final Path FILE = Path.of("target", "e2e-diagnostics.txt");

    private final Supplier<Kube> kube;
    private final List<String> namespaces;

    FailureDiagnostics(Supplier<Kube> kube, List<String> namespaces) {
        this.kube = kube;
        this.namespaces = namespaces;
    }

    /** The set-up failed (helm install, the namespaces): the cluster's state tells why as much as a test's. */
    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable cause) throws Throwable {
        testFailed(context, cause);
        throw cause;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Kube cluster = kube.get();
        if (cluster == null) {
            return;
        }
        StringBuilder out = new StringBuilder("==== " + context.getDisplayName() + " failed: " + cause + "\n");
        for (String namespace : namespaces) {
            section(out, cluster, "get", "kvclusters,kvbackups,statefulsets,pods,services,endpoints", "-n", namespace,
                    "-o", "wide");
            section(out, cluster, "get", "events", "-n", namespace, "--sort-by=.lastTimestamp");
            // the budgets' status (what an eviction checks) and the pods' role labels (what the budgets select)
            section(out, cluster, "get", "poddisruptionbudgets", "-n", namespace, "-o",
                    "custom-columns=NAME:.metadata.name,MIN:.spec.minAvailable,MAX:.spec.maxUnavailable,"
                            + "EXPECTED:.status.expectedPods,HEALTHY:.status.currentHealthy,"
                            + "ALLOWED:.status.disruptionsAllowed,OBSERVED:.status.observedGeneration,"
                            + "GENERATION:.metadata.generation");
            section(out, cluster, "get", "pods", "-n", namespace, "-L", "kvstore.dev/role,kvstore.dev/cluster");
            String pods = cluster.kubectlResult(null, "--request-timeout=10s", "get", "pods", "-n", namespace, "-o",
                    "jsonpath={.items[*].metadata.name}").out();
            for (String pod : pods.split("\\s+")) {
                if (!pod.isBlank()) {
                    section(out, cluster, "logs", "-n", namespace, pod, "--all-containers", "--tail=40");
                }
            }
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void section(StringBuilder out, Kube cluster, String... args) {
        // a cluster in trouble must not hold the report up: each call gives up after 10 s
        String[] bounded = java.util.stream.Stream.concat(java.util.stream.Stream.of("--request-timeout=10s"),
                java.util.Arrays.stream(args)).toArray(String[]::new);
        Kube.Result result = cluster.kubectlResult(null, bounded);
        out.append("---- kubectl ").append(String.join(" ", args)).append('\n')
                .append(result.out()).append(result.err()).append('\n');
    }
}
