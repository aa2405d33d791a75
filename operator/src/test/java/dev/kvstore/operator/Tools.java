package dev.kvstore.operator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The project root and the binaries hack/k8s-binaries.sh builds (helm, kubectl, kube-apiserver…). */
public final class Tools {

    private Tools() {
    }

    public static Path root() {
        return Path.of(System.getProperty("kv.project.root", "..")).toAbsolutePath().normalize();
    }

    /** The bin directory, building the binaries on first use (needs Go and the Go module proxy). */
    public static Path bin() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", root().resolve("hack/k8s-binaries.sh").toString())
                .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (process.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("hack/k8s-binaries.sh failed: helm and the Kubernetes binaries are "
                    + "built from their Go modules and need Go plus the Go module proxy");
        }
        return Path.of(out.substring(out.lastIndexOf('\n') + 1).trim());
    }

    /** Runs a command, returns its stdout, fails with its stderr. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(err, StandardCharsets.UTF_8)
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    public static String helmTemplate(String namespace, String... sets) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(bin().resolve("helm").toString(), "template", "kvo",
                root().resolve("helm/kvcluster-operator").toString(), "--namespace", namespace));
        for (String set : sets) {
            command.add("--set");
            command.add(set);
        }
        return run(command);
    }
}
