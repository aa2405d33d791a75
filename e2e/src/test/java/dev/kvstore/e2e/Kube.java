package dev.kvstore.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster under test, driven the way a user drives it: kubectl and helm against the
 * KUBECONFIG given to the suite, plus a fabric8 client for reading state and waiting.
 */
final class Kube implements AutoCloseable {

    /** What a command printed and how it ended. */
    record Result(int exitCode, String out, String err) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private final Path kubeconfig;
    private final KubernetesClient client;

    private Kube(Path kubeconfig) throws IOException {
        this.kubeconfig = kubeconfig;
        this.client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8))).build();
    }

    /** The cluster named by -Dkv.e2e.kubeconfig (KUBECONFIG); fails, never skips, without one. */
    static Kube fromSystemProperties() throws IOException {
        String path = System.getProperty("kv.e2e.kubeconfig", "");
        if (path.isBlank() || path.startsWith("${")) {
            throw new IllegalStateException("the end-to-end suite needs a cluster: set KUBECONFIG "
                    + "(./test starts one with hack/cluster.sh; hack/kind-e2e.sh makes a kind cluster)");
        }
        Path file = Path.of(path);
        if (!Files.isReadable(file)) {
            throw new IllegalStateException("KUBECONFIG " + file + " is not readable");
        }
        return new Kube(file);
    }

    static Path projectRoot() {
        return Path.of(System.getProperty("kv.project.root", "..")).toAbsolutePath().normalize();
    }

    KubernetesClient client() {
        return client;
    }

    /** kubectl ARGS; fails with what kubectl said unless it succeeds. */
    String kubectl(String... args) {
        Result result = kubectlResult(null, args);
        if (!result.ok()) {
            throw new IllegalStateException("kubectl " + String.join(" ", args) + " failed (" + result.exitCode()
                    + "): " + result.err() + result.out());
        }
        return result.out();
    }

    /** kubectl ARGS with STDIN (may be null), whatever the outcome. */
    Result kubectlResult(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of(tool("kubectl"), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        return run(command, stdin);
    }

    /**
     * {@code kubectl kv ARGS}: the plugin as users run it, found by kubectl on PATH (the build's
     * kubectl-kv/target/kubectl-kv), the cluster from KUBECONFIG as kubectl passes it on; whatever the outcome.
     */
    Result kubectlKv(String... args) {
        Path plugin = projectRoot().resolve("kubectl-kv/target/kubectl-kv");
        if (!Files.isExecutable(plugin)) {
            throw new IllegalStateException("no kubectl plugin at " + plugin + ": mvn package builds it");
        }
        List<String> command = new ArrayList<>(List.of(tool("kubectl"), "kv"));
        command.addAll(List.of(args));
        return run(command, null, Map.of("KUBECONFIG", kubeconfig.toString(),
                "PATH", plugin.getParent() + java.io.File.pathSeparator + System.getenv("PATH")));
    }

    /** kubectl apply -f - of YAML; fails with kubectl's message unless the server accepts it. */
    String apply(String yaml) {
        Result result = kubectlResult(yaml, "apply", "-f", "-");
        if (!result.ok()) {
            throw new IllegalStateException("kubectl apply failed: " + result.err());
        }
        return result.out();
    }

    String helm(String... args) {
        List<String> command = new ArrayList<>(List.of(tool("helm"), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        Result result = run(command, null);
        if (!result.ok()) {
            throw new IllegalStateException("helm " + String.join(" ", args) + " failed: " + result.err());
        }
        return result.out();
    }

    /** A tool from -Dkv.e2e.<name> or the PATH. */
    private static String tool(String name) {
        return System.getProperty("kv.e2e." + name, name);
    }

    /** Runs COMMAND with STDIN (or none); what it printed and its exit code. */
    static Result run(List<String> command, String stdin) {
        return run(command, stdin, Map.of());
    }

    private static Result run(List<String> command, String stdin, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (stdin != null) {
                process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            // stderr is drained on another thread so a chatty command cannot block on a full pipe
            var err = new java.util.concurrent.CompletableFuture<String>();
            Thread drain = new Thread(() -> {
                try {
                    err.complete(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    err.complete("");
                }
            });
            drain.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 10 minutes");
            }
            return new Result(process.exitValue(), out, err.get());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + " (is it installed and on PATH?): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
