package dev.kvstore.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients that run inside the cluster, as an application would: pods from the store image (it has
 * bash and curl) talking to the KVCluster's Services by DNS name. One long-lived pod for one-off
 * commands, and writer pods that write continuously and log every answer (see {@link WriteLog}).
 */
final class InClusterClient {

    private static final String SHELL_POD = "kv-e2e-client";

    /** Writes PREFIX-1, PREFIX-2, ... until /tmp/stop exists; one line per answer. */
    private static final String WRITER = """
            i=0
            while [ ! -e /tmp/stop ]; do
              i=$((i+1))
              out=$(curl -s -m 2 -X PUT --data-binary "v$i" -w ' %{http_code}' "http://$1:8080/v1/kv/$2-$i")
              echo "W $i ${EPOCHREALTIME/./} $out"
            done
            """;

    /** Prints "missing I <what was read>" for every PREFIX-I whose value is not vI. */
    private static final String CHECKER = """
            service=$1 prefix=$2
            shift 2
            for i in "$@"; do
              v=$(curl -s -m 5 "http://$service:8080/v1/kv/$prefix-$i")
              [ "$v" = "v$i" ] || echo "missing $i $v"
            done
            echo checked
            """;

    private final Kube kube;
    private final String namespace;
    private final String image;

    InClusterClient(Kube kube, String namespace, String image) {
        this.kube = kube;
        this.namespace = namespace;
        this.image = image;
    }

    void start() {
        kube.apply(podYaml(SHELL_POD, List.of("sleep", "infinity")));
        awaitRunning(SHELL_POD);
    }

    /** Runs a bash script in the client pod; returns its output, fails if it fails. */
    String bash(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("exec", "-n", namespace, SHELL_POD, "--", "bash", "-c",
                script, "script"));
        command.addAll(List.of(args));
        return kube.kubectl(command.toArray(String[]::new));
    }

    /** Which of PREFIX-INDEXES do not read back as written through SERVICE. */
    List<String> missing(String service, String prefix, List<Long> indexes) {
        List<String> missing = new ArrayList<>();
        // in slices, so that one exec's argument list stays small
        for (int from = 0; from < indexes.size(); from += 2000) {
            List<String> args = new ArrayList<>(List.of(service, prefix));
            indexes.subList(from, Math.min(indexes.size(), from + 2000)).forEach(i -> args.add(Long.toString(i)));
            String out = bash(CHECKER, args.toArray(String[]::new));
            if (!out.contains("checked")) {
                throw new IllegalStateException("the checker did not finish: " + out);
            }
            out.lines().filter(line -> line.startsWith("missing")).forEach(missing::add);
        }
        return missing;
    }

    /** A pod that writes PREFIX-i through SERVICE until {@link #stopWriter} is called. */
    void startWriter(String name, String service, String prefix) {
        kube.apply(podYaml(name, List.of("bash", "-c", WRITER, "writer", service, prefix)));
        awaitRunning(name);
    }

    /** Stops the writer, waits for it to end and returns what it saw. */
    WriteLog stopWriter(String name) {
        // the writer ends as soon as it sees the file, and its container takes the exec'd touch down with
        // it (exit 137) when that is faster than touch's own exit: success is the pod ending, below
        kube.kubectlResult(null, "exec", "-n", namespace, name, "--", "touch", "/tmp/stop");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Pod pod = kube.client().pods().inNamespace(namespace).withName(name).get();
            return pod != null && "Succeeded".equals(pod.getStatus().getPhase());
        });
        WriteLog log = WriteLog.parse(kube.kubectl("logs", "-n", namespace, name));
        kube.kubectl("delete", "pod", "-n", namespace, name, "--wait=false");
        return log;
    }

    private void awaitRunning(String name) {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Pod pod = kube.client().pods().inNamespace(namespace).withName(name).get();
            return pod != null && "Running".equals(pod.getStatus().getPhase());
        });
    }

    private String podYaml(String name, List<String> command) {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                  labels: {app.kubernetes.io/name: kv-e2e-client}
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  securityContext: {runAsNonRoot: true, runAsUser: 185}
                  containers:
                  - name: client
                    image: %s
                    imagePullPolicy: IfNotPresent
                    command:
                """.formatted(name, namespace, image));
        for (String part : command) {
            yaml.append("    - ").append(jsonString(part)).append('\n');
        }
        return yaml.toString();
    }

    /** A YAML flow scalar that keeps newlines and quotes (JSON strings are valid YAML). */
    private static String jsonString(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
