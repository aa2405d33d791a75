package dev.kvstore.cli;

import dev.kvstore.core.admin.AdminClient;
import dev.kvstore.core.admin.NodeStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code kv fence} and {@code kv unfence} for a local cluster: the store's own admin call, signed with the cluster's
 * secret. The local supervisor (the operator's supervision code) then leaves a fenced store alone and points an
 * unfenced one at the primary. A primary is switched away from first ({@code kv promote} to the secondary furthest
 * along), as the operator does, then fenced as a secondary.
 */
final class LocalFence {

    private LocalFence() {
    }

    /** The store named, and the call's answer or its refusal in the store's words. */
    abstract static class LocalFenceCommand implements Callable<Integer> {
        @CommandLine.Mixin
        KvCli.ClusterOptions cluster;

        @Parameters(index = "0", description = "the store (kv-0, kv-1, ...)")
        String store;

        NodeStatus call(boolean fence) throws IOException {
            cluster.requireLocal(this, (fence ? "fence" : "unfence") + " acts on a local cluster's store (--dir); an "
                    + "operator's cluster: kubectl kv " + (fence ? "fence" : "unfence") + " <cluster> <pod>");
            Map<String, String> adminUrls = cluster.adminUrls();
            String url = adminUrls.get(store);
            if (url == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), store + " is not a store of "
                        + cluster.dir + " (its stores: " + String.join(", ", adminUrls.keySet()) + ")");
            }
            AdminClient admin = cluster.admin();
            NodeStatus before = admin.status(url);
            boolean primary = "primary".equals(before.role());
            if (fence && !before.maintenanceFenced() && "sync".equals(before.mode())) {
                long othersFollowing = 0;
                for (Map.Entry<String, String> other : adminUrls.entrySet()) {
                    try {
                        othersFollowing += !other.getKey().equals(store) && admin.status(other.getValue()).following()
                                ? 1 : 0;
                    } catch (IOException down) {
                        // not answering: not following
                    }
                }
                // a primary's successor is one of them, and follows no more once it leads
                long left = primary ? othersFollowing - 1 : othersFollowing;
                if (left < before.minSyncReplicas()) {
                    throw new IOException("fencing " + store + " would leave " + Math.max(0, left) + " secondaries "
                            + "following, fewer than minSyncReplicas " + before.minSyncReplicas() + ": sync writes would "
                            + "stop; nothing fenced");
                }
            }
            if (fence && primary) {
                String successor = successor(admin, adminUrls);
                KvCli.say(store + " is the primary: switching over to " + successor + " first");
                try {
                    KvCli.say(LocalPromote.switchOver(cluster, successor, Duration.ofSeconds(30)).message());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while switching over; nothing fenced");
                }
                if ("primary".equals(admin.status(url).role())) {
                    throw new IOException(store + " is still the primary; nothing fenced");
                }
            }
            return admin.maintenanceFence(url, fence);
        }

        /** The secondary to switch to before the primary is fenced: one that follows, not fenced, furthest along. */
        private String successor(AdminClient admin, Map<String, String> adminUrls) throws IOException {
            String best = null;
            long bestOffset = -1;
            for (Map.Entry<String, String> other : adminUrls.entrySet()) {
                if (other.getKey().equals(store)) {
                    continue;
                }
                try {
                    NodeStatus status = admin.status(other.getValue());
                    if (status.following() && !status.maintenanceFenced() && status.lastOffset() > bestOffset) {
                        best = other.getKey();
                        bestOffset = status.lastOffset();
                    }
                } catch (IOException down) {
                    // not answering: not a successor
                }
            }
            if (best == null) {
                throw new IOException(store + " is the primary and no secondary follows it to switch over to; nothing "
                        + "fenced");
            }
            return best;
        }
    }

    @Command(name = "fence", description = "Fences a secondary of the local cluster for maintenance: it follows no one, "
            + "serves no client, is never promoted and keeps its data as it is, restarts included, until kv unfence.")
    static class Fence extends LocalFenceCommand {
        @Override
        public Integer call() throws Exception {
            NodeStatus fenced = call(true);
            KvCli.say(store + " is fenced for maintenance at offset " + fenced.lastOffset() + " (epoch "
                    + fenced.lastEpoch() + "); its data in " + cluster.dir.resolve(store) + " stays as it is; kv unfence "
                    + store + " lifts the fence");
            return 0;
        }
    }

    @Command(name = "unfence", description = "Lifts a store's maintenance fence: the local supervisor points it at the "
            + "primary again and it catches up.")
    static class Unfence extends LocalFenceCommand {
        @Override
        public Integer call() throws Exception {
            NodeStatus lifted = call(false);
            if ("primary".equals(lifted.role())) {
                KvCli.say(store + " is the primary: it is not fenced");
                return 0;
            }
            AdminClient admin = cluster.admin();
            String url = cluster.adminUrls().get(store);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            NodeStatus now = admin.status(url);
            while (!now.following() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                now = admin.status(url);
            }
            if (!now.following()) {
                System.err.println(store + " is unfenced but does not follow the primary yet: is kv local running?");
                return 1;
            }
            KvCli.say(store + " is unfenced and follows " + now.primary() + " again (lag " + now.lag() + ")");
            return 0;
        }
    }
}
