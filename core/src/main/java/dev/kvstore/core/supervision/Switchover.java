package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.Position;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.admin.StoreAdmin;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A planned switchover, without loss. Writes pause on the primary until the target holds its last
 * entry; then every store, the primary included, is fenced at a new epoch and reports where its log
 * ends. The primary's log holds every acknowledged write, so the most up-to-date store holds them all;
 * the target is promoted when it is that store (ties go to it), otherwise the most up-to-date one is,
 * and the switchover is tried again once the target has caught up.
 */
public final class Switchover {

    /** How long the primary's writes pause at most, and how long the target gets to catch up within it. */
    static final long PAUSE_MILLIS = 5_000;
    private static final Duration CATCH_UP = Duration.ofSeconds(4);

    /** Switched (to whom, in which epoch), or not (why). */
    public record Outcome(boolean switched, String winner, long epoch, String reason, Duration took,
                          List<String> notRepointed) {
    }

    private final StoreAdmin admin;
    private final FailoverProcedure steps;
    private final Duration catchUp;

    public Switchover(StoreAdmin admin, Executor executor) {
        this(admin, executor, CATCH_UP);
    }

    /** With another catch-up time (tests, where a target that never catches up should not cost 4 s). */
    Switchover(StoreAdmin admin, Executor executor, Duration catchUp) {
        this.admin = admin;
        this.steps = new FailoverProcedure(admin, executor);
        this.catchUp = catchUp;
    }

    /**
     * @param members     every store of the cluster, the primary and the target included
     * @param highestSeen the highest epoch recorded or reported by any store
     */
    public <M extends FailoverProcedure.Member> Outcome run(List<M> members, M primary, M target, long highestSeen,
                                                            FailoverProcedure.EpochLedger ledger) throws IOException {
        // stop new writes for a moment, let the target reach the primary's last entry, then switch
        NodeStatus paused = admin.pauseWrites(primary.adminUrl(), PAUSE_MILLIS);
        long deadline = System.nanoTime() + catchUp.toNanos();
        NodeStatus targetNow;
        try {
            targetNow = admin.status(target.adminUrl());
            while (targetNow.lastOffset() < paused.lastOffset() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                targetNow = admin.status(target.adminUrl());
            }
        } catch (IOException | RuntimeException e) {
            // the target went away while the primary's writes wait: they go on at once, not when the pause ends
            resumeQuietly(primary);
            throw e;
        }
        if (targetNow.lastOffset() < paused.lastOffset()) {
            admin.pauseWrites(primary.adminUrl(), 0);
            return new Outcome(false, null, 0, "switchover to " + target.name() + " waits: it reached offset "
                    + targetNow.lastOffset() + " of " + paused.lastOffset(), Duration.ZERO, List.of());
        }
        long started = System.nanoTime();
        long epoch = highestSeen + 1;
        ledger.record(epoch);
        Map<M, CompletableFuture<NodeStatus>> fences = new LinkedHashMap<>();
        for (M member : members) {
            if (member.adminUrl() != null) {
                fences.put(member, steps.fenceAsync(member.adminUrl(), epoch));
            }
        }
        Map<M, Position> positions = new LinkedHashMap<>();
        java.util.Set<String> fencedForMaintenance = new java.util.HashSet<>();
        fences.forEach((member, call) -> {
            NodeStatus fenced = call.join();
            if (fenced != null && fenced.maintenanceFenced()) {
                // never the winner (the primary's log, counted here, holds all it holds) and told to follow no one
                fencedForMaintenance.add(member.name());
            } else if (fenced != null) {
                positions.put(member, new Position(fenced.lastEpoch(), fenced.lastOffset()));
            }
        });
        if (!positions.containsKey(primary)) {
            // without the primary's position nobody is sure to hold every acknowledged write
            return new Outcome(false, null, epoch, "switchover: the primary did not answer the fence; it will be failed"
                    + " over if it stays away", Duration.ofNanos(System.nanoTime() - started), List.of());
        }
        M winner = mostUpToDate(positions, target);
        // the old primary was fenced by us and answers no read as primary any more: no lease to wait out
        admin.promote(winner.adminUrl(), epoch, true);
        List<String> notRepointed = steps.pointAt(members, winner, epoch, fencedForMaintenance);
        String reason = winner == target ? "switchover requested"
                : "switchover requested; " + target.name() + " was behind, so " + winner.name() + " for now";
        return new Outcome(true, winner.name(), epoch, reason, Duration.ofNanos(System.nanoTime() - started),
                notRepointed);
    }

    private void resumeQuietly(FailoverProcedure.Member primary) {
        try {
            admin.pauseWrites(primary.adminUrl(), 0);
        } catch (IOException | RuntimeException ignored) {
            // the pause ends by itself within PAUSE_MILLIS
        }
    }

    /** The store with the highest position; the target when it is among the highest. */
    static <M> M mostUpToDate(Map<M, Position> positions, M target) {
        Position best = positions.values().stream().max(Position::compareTo).orElseThrow();
        if (best.equals(positions.get(target))) {
            return target;
        }
        return positions.entrySet().stream().filter(e -> e.getValue().equals(best)).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
    }
}
