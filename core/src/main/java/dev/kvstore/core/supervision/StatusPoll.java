package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;
import dev.kvstore.core.admin.NodeStatus;
import dev.kvstore.core.admin.StoreAdmin;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The status of every store, asked in parallel (a frozen store costs one timeout per pass, not one
 * per store). Keeps every answer: a supervisor must see a store that cannot persist to stop it, while
 * for the election such a store counts as not answering ({@link #answering()}).
 */
public final class StatusPoll<M extends FailoverProcedure.Member> {

    private final Map<M, NodeStatus> answers;

    private StatusPoll(Map<M, NodeStatus> answers) {
        this.answers = Collections.unmodifiableMap(answers);
    }

    /** Asks every member with an address; one that does not answer in time is left out. */
    public static <M extends FailoverProcedure.Member> StatusPoll<M> of(List<M> members, StoreAdmin admin,
                                                                         Executor executor) {
        Map<M, CompletableFuture<NodeStatus>> calls = new LinkedHashMap<>();
        for (M member : members) {
            if (member.adminUrl() != null) {
                calls.put(member, CompletableFuture.supplyAsync(() -> {
                    try {
                        return admin.status(member.adminUrl());
                    } catch (IOException e) {
                        return null; // gone, frozen or partitioned
                    }
                }, executor));
            }
        }
        Map<M, NodeStatus> answered = new LinkedHashMap<>();
        calls.forEach((member, call) -> {
            NodeStatus status = call.join();
            if (status != null) {
                answered.put(member, status);
            }
        });
        return new StatusPoll<>(answered);
    }

    /** Made from answers already at hand (tests, or a caller that asked itself). */
    public static <M extends FailoverProcedure.Member> StatusPoll<M> of(Map<M, NodeStatus> answers) {
        return new StatusPoll<>(new LinkedHashMap<>(answers));
    }

    /** Every answer, including stores that can no longer make writes durable. */
    public Map<M, NodeStatus> all() {
        return answers;
    }

    /**
     * The answers that count: a store that cannot make writes durable is neither a healthy primary nor
     * a candidate, so it counts as not answering (a primary in that state is replaced after the delay).
     */
    public Map<M, NodeStatus> answering() {
        Map<M, NodeStatus> counted = new LinkedHashMap<>();
        answers.forEach((member, status) -> {
            if (status.canPersist()) {
                counted.put(member, status);
            }
        });
        return counted;
    }

    /** The highest epoch any store reported, or {@code floor} when higher. */
    public long highestEpoch(long floor) {
        return Math.max(floor, answers.values().stream().mapToLong(NodeStatus::epoch).max().orElse(0));
    }
}
