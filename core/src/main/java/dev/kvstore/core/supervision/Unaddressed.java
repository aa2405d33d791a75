package dev.kvstore.core.supervision;

import dev.kvstore.core.FailoverProcedure;

/**
 * A store an election does not ask: it did not answer this pass's status call. The procedure counts
 * it as unreachable without calling it, so a supervisor that reaches no store at all (cut off itself)
 * finds its election hopeless before recording an epoch: it fences no one, and once it reaches the
 * stores again it judges the primary afresh instead of replacing a primary that was healthy all along.
 */
public record Unaddressed(String name, String httpUrl, String replicationAddress) implements FailoverProcedure.Member {

    public static Unaddressed of(FailoverProcedure.Member member) {
        return new Unaddressed(member.name(), member.httpUrl(), member.replicationAddress());
    }

    @Override
    public String adminUrl() {
        return null;
    }
}
