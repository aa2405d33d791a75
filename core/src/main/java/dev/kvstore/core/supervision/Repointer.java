package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.admin.StoreAdmin;
import java.io.IOException;
import java.util.Map;

/**
 * Brings stragglers in line: every answering store that is not a secondary following the primary in
 * the current epoch (a restarted store, a deposed primary that came back, one a failover could not
 * reach) is told to follow it; not one fenced for maintenance.
 */
public final class Repointer {

    /** Told what happened to each straggler, for the supervisor's log or events. */
    public interface Listener<M> {
        void repointed(M member, NodeStatus was);

        void failed(M member, IOException error);
    }

    private final StoreAdmin admin;

    public Repointer(StoreAdmin admin) {
        this.admin = admin;
    }

    /** Whether a store's answer says it follows {@code primaryReplication} in {@code epoch}. */
    public static boolean follows(NodeStatus status, long epoch, String primaryReplication) {
        return "secondary".equals(status.role()) && status.epoch() == epoch
                && primaryReplication.equals(status.primary());
    }

    public <M extends FailoverProcedure.Member> void repoint(Map<M, NodeStatus> answering, M primary, long epoch,
                                                             Listener<? super M> listener) {
        answering.forEach((member, status) -> {
            // a store fenced for maintenance follows no one until its fence is lifted
            if (member.name().equals(primary.name()) || follows(status, epoch, primary.replicationAddress())
                    || status.maintenanceFenced()) {
                return;
            }
            try {
                admin.follow(member.adminUrl(), epoch, primary.replicationAddress(), primary.httpUrl());
                listener.repointed(member, status);
            } catch (IOException e) {
                listener.failed(member, e);
            }
        });
    }
}
