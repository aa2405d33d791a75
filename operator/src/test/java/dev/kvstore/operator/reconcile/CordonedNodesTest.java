package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CordonedNodesTest {

    private final Set<String> cordonedNow = new HashSet<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();
    private final CordonedNodes nodes = new CordonedNodes(node -> {
        reads.incrementAndGet();
        return cordonedNow.contains(node);
    }, clock::get);

    @Test
    void plans_read_a_node_once_in_a_few_seconds() {
        assertThat(nodes.cordoned("n1")).isFalse();
        cordonedNow.add("n1");
        clock.addAndGet(2_000_000_000L);

        assertThat(nodes.cordoned("n1")).as("as read 2 s ago").isFalse();
        assertThat(reads).hasValue(1);
        clock.addAndGet(1_000_000_000L);
        assertThat(nodes.cordoned("n1")).as("read again after 3 s").isTrue();
    }

    @Test
    void a_switchovers_last_check_reads_the_node_now_and_plans_see_that_read() {
        assertThat(nodes.cordoned("n1")).isFalse();
        cordonedNow.add("n1");

        assertThat(nodes.cordonedNow("n1")).as("cordoned a moment after the plan's read").isTrue();
        assertThat(nodes.cordoned("n1")).isTrue();
        assertThat(reads).hasValue(2);
    }
}
