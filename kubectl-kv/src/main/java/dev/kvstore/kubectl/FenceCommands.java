package dev.kvstore.kubectl;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kubectl kv fence} and {@code unfence}: edit the annotation {@value FencedPods#ANNOTATION}, wait for the operator. */
final class FenceCommands {

    private FenceCommands() {
    }

    /** What both commands take: the cluster, the pod, the time to wait, the namespace. */
    abstract static class FenceCommand implements Callable<Integer> {
        @CommandLine.Mixin
        KubectlKv.Target target;

        @Parameters(index = "0", description = "the KVCluster's name")
        String cluster;

        @Parameters(index = "1", description = "the pod (<cluster>-<ordinal>)")
        String pod;

        @Option(names = "--timeout", description = "seconds to wait for the operator (default ${DEFAULT-VALUE})")
        int timeoutSeconds = 120;

        /**
         * Adds the pod to the annotation or takes it out, with the resource version read (a concurrent edit of the
         * annotation, by another user or the operator's status write, is read again rather than overwritten).
         *
         * @return whether the annotation changed
         */
        boolean edit(ClusterAccess access, boolean fence) {
            for (int attempt = 1; ; attempt++) {
                GenericKubernetesResource resource = access.cluster();
                Map<String, String> annotations = resource.getMetadata().getAnnotations();
                String before = annotations == null ? null : annotations.get(FencedPods.ANNOTATION);
                String after = FencedPods.edited(before, pod, fence);
                if (java.util.Objects.equals(FencedPods.parse(before), FencedPods.parse(after))) {
                    return false;
                }
                String value = after == null ? "null" : "\"" + after.replace("\"", "\\\"") + "\"";
                try {
                    access.resource().patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"resourceVersion\":\""
                            + resource.getMetadata().getResourceVersion() + "\",\"annotations\":{\""
                            + FencedPods.ANNOTATION + "\":" + value + "}}}");
                    return true;
                } catch (KubernetesClientException conflict) {
                    if (conflict.getCode() != 409 || attempt == 5) {
                        throw conflict;
                    }
                }
            }
        }

        /** The pod's entry in status.instances, or an empty map. */
        @SuppressWarnings("unchecked")
        Map<String, Object> instance(GenericKubernetesResource resource) {
            Map<String, Object> status = ClusterAccess.status(resource);
            Object instances = status == null ? null : status.get("instances");
            if (instances instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> map && pod.equals(map.get("name"))) {
                        return (Map<String, Object>) map;
                    }
                }
            }
            return Map.of();
        }

        /** The condition Fenced: what the operator says about the fences (or why one waits), or null. */
        static Map<?, ?> fencedCondition(GenericKubernetesResource resource) {
            Map<String, Object> status = resource == null ? null : ClusterAccess.status(resource);
            Object conditions = status == null ? null : status.get("conditions");
            if (conditions instanceof List<?> list) {
                for (Object item : list) {
                    if (item instanceof Map<?, ?> map && "Fenced".equals(map.get("type"))) {
                        return map;
                    }
                }
            }
            return null;
        }

        static String said(GenericKubernetesResource resource) {
            Map<?, ?> condition = fencedCondition(resource);
            return condition == null ? "no condition Fenced yet (an operator before 0.2 does not know "
                    + FencedPods.ANNOTATION + ")" : String.valueOf(condition.get("message"));
        }

        /**
         * Waits for {@code done}; with {@code stopOnRefusal}, a lasting refusal of the annotation as it stands ends the
         * wait at once ({@link FencedPods#refusal}).
         */
        void awaitOperator(ClusterAccess access, String what, boolean stopOnRefusal,
                           java.util.function.Predicate<GenericKubernetesResource> done) throws InterruptedException {
            String[] refused = new String[1];
            KubectlKv.await(what, Duration.ofSeconds(timeoutSeconds), () -> {
                GenericKubernetesResource now;
                try {
                    now = access.resource().get();
                } catch (KubernetesClientException passing) {
                    return false; // one failed read (a 5xx, a timeout) is no reason to give up the wait
                }
                if (now == null) {
                    return false;
                }
                if (done.test(now)) {
                    return true;
                }
                Map<String, String> annotations = now.getMetadata().getAnnotations();
                refused[0] = stopOnRefusal ? FencedPods.refusal(fencedCondition(now),
                        annotations == null ? null : annotations.get(FencedPods.ANNOTATION),
                        now.getMetadata().getGeneration()) : null;
                return refused[0] != null;
            });
            if (refused[0] != null) {
                throw new IllegalStateException("the operator refuses: " + refused[0]);
            }
        }
    }

    @Command(name = "fence", description = "Fences a store for maintenance: it follows no one, serves no client, is never "
            + "promoted and keeps its data as it is (restarts included), its pod running for kubectl exec. A primary is "
            + "switched away from first, without losing a write. Adds the pod to the KVCluster's annotation "
            + FencedPods.ANNOTATION + " and waits until the operator reports it fenced; kubectl kv unfence lifts it.")
    static class Fence extends FenceCommand {
        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                access.requirePod(pod);
                String primaryBefore = ClusterAccess.primaryOf(access.cluster());
                long started = System.nanoTime();
                boolean asked = edit(access, true);
                try {
                    awaitOperator(access, "the operator to fence " + pod, true, now ->
                            Boolean.TRUE.equals(instance(now).get("fenced")) && !pod.equals(ClusterAccess.primaryOf(now)));
                } catch (RuntimeException notFenced) {
                    String withdrawn = "";
                    if (asked) {
                        // not left behind to act hours later (a primary switched away from once a store is ready)
                        try {
                            edit(access, false);
                            withdrawn = " (the request is withdrawn: " + pod + " taken out of " + FencedPods.ANNOTATION
                                    + " again)";
                        } catch (RuntimeException kept) {
                            withdrawn = " (the request could not be withdrawn: " + KubectlKv.describe(kept) + "; take "
                                    + pod + " out of " + FencedPods.ANNOTATION + " with kubectl kv unfence)";
                        }
                    }
                    String said = "";
                    if (!String.valueOf(notFenced.getMessage()).startsWith("the operator refuses")) {
                        try {
                            said = ": " + said(access.resource().get());
                        } catch (RuntimeException unread) {
                            // the failure itself says enough
                        }
                    }
                    throw new IllegalStateException(KubectlKv.describe(notFenced) + said + withdrawn);
                }
                GenericKubernetesResource now = access.cluster();
                KubectlKv.say(pod + " is fenced for maintenance after " + (System.nanoTime() - started) / 1_000_000
                        + " ms" + (pod.equals(primaryBefore) ? " (it was primary: switched over to "
                        + ClusterAccess.primaryOf(now) + " first)" : "") + "; its data stays as it is; kubectl kv unfence "
                        + cluster + " " + pod + " lifts the fence");
                return 0;
            }
        }
    }

    @Command(name = "unfence", description = "Lifts a store's maintenance fence: it follows the primary again and catches "
            + "up. Takes the pod out of the KVCluster's annotation " + FencedPods.ANNOTATION + " and waits until the "
            + "operator reports it following and its pod ready.")
    static class Unfence extends FenceCommand {
        @Override
        public Integer call() throws Exception {
            try (KubernetesClient client = new KubernetesClientBuilder().build()) {
                ClusterAccess access = target.access(client, cluster);
                access.requirePod(pod);
                long started = System.nanoTime();
                edit(access, false);
                try {
                    awaitOperator(access, pod + " to follow the primary again", false, now -> {
                        Map<String, Object> instance = instance(now);
                        return !Boolean.TRUE.equals(instance.get("fenced")) && Boolean.TRUE.equals(instance.get("ready"))
                                && List.of("secondary", "primary").contains(String.valueOf(instance.get("role")));
                    });
                } catch (IllegalStateException notYet) {
                    throw new IllegalStateException(notYet.getMessage() + ": " + said(access.resource().get()));
                }
                KubectlKv.say(pod + " is unfenced and ready after " + (System.nanoTime() - started) / 1_000_000
                        + " ms: it follows " + ClusterAccess.primaryOf(access.cluster()) + " again");
                return 0;
            }
        }
    }
}
