package dev.kvstore.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real etcd + kube-apiserver + kube-controller-manager for the test, started by
 * hack/control-plane.sh (which builds the binaries from their Go modules on first use).
 */
public final class ControlPlane implements AutoCloseable {

    private final Path dir;
    private final Path script;
    public final KubernetesClient client;

    public ControlPlane() throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("kv.project.root", "..")).toAbsolutePath().normalize();
        this.script = root.resolve("hack/control-plane.sh");
        this.dir = Files.createTempDirectory("kv-control-plane");
        // never inheritIO in a forked test JVM: bytes on its native stdout corrupt the channel to Maven
        Process up = new ProcessBuilder("bash", script.toString(), "up", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("up.log").toFile()).start();
        if (up.waitFor() != 0) {
            throw new IllegalStateException("the control plane did not start (hack/control-plane.sh up " + dir
                    + "): " + Files.readString(dir.resolve("up.log"))
                    + "\nIt needs Go and the Go module proxy to build the binaries once.");
        }
        Config config = Config.fromKubeconfig(Files.readString(dir.resolve("kubeconfig")));
        this.client = new KubernetesClientBuilder().withConfig(config).build();
    }

    /** The control plane with the CRDs of crds/ (KVCluster, KVBackup) installed and served. */
    public static ControlPlane withCrd() throws Exception {
        ControlPlane plane = new ControlPlane();
        Path root = Path.of(System.getProperty("kv.project.root", "..")).toAbsolutePath().normalize();
        for (String crd : List.of("kvclusters.kvstore.dev-v1.yml", "kvbackups.kvstore.dev-v1.yml")) {
            plane.client.load(Files.newInputStream(root.resolve("crds/" + crd))).serverSideApply();
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                plane.client.resources(dev.kvstore.operator.model.KVCluster.class).inNamespace("default").list() != null
                        && plane.client.resources(dev.kvstore.operator.model.KVBackup.class).inNamespace("default").list() != null);
        return plane;
    }

    Path kubeconfig() {
        return dir.resolve("kubeconfig");
    }

    /** A client that acts as the given service account, so RBAC applies to it as in a cluster. */
    KubernetesClient as(String namespace, String serviceAccount) throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig()));
        config.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount);
        config.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Override
    public void close() throws Exception {
        client.close();
        new ProcessBuilder("bash", script.toString(), "down", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("down.log").toFile()).start().waitFor();
    }
}
