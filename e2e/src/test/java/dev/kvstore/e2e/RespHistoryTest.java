package dev.kvstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The history clients' log read as the checker's history; and the checker, given it, tells a lost write. */
class RespHistoryTest {

    @Test
    void each_call_becomes_an_operation_with_its_times_in_nanoseconds_and_what_it_answered() {
        List<RespHistory.Op> ops = RespHistory.parse("""
                + bash noise
                H c1 put kv-r0 c1-1 1000 1500 OK\s
                H c2 append kv-a1 c2.1, 1100 1600 6\s
                H c3 incr kv-c0 - 1200 1700 3\s
                """);

        assertThat(ops).containsExactly(
                new RespHistory.Op("c1#0", "put", "kv-r0", "c1-1", null, 1_000_000, 1_500_000, "ok"),
                new RespHistory.Op("c2#0", "append", "kv-a1", "c2.1,", "6", 1_100_000, 1_600_000, "ok"),
                new RespHistory.Op("c3#0", "incr", "kv-c0", null, "3", 1_200_000, 1_700_000, "ok"));
    }

    @Test
    void a_refusal_before_the_log_failed_and_anything_that_may_have_been_applied_is_unknown() {
        assertThat(RespHistory.outcomeOf("put", "Could not connect to Redis at kv-rw:6379: Connection refused"))
                .isEqualTo("fail");
        assertThat(RespHistory.outcomeOf("put", "READONLY You can't write against a read only replica.")).isEqualTo("fail");
        assertThat(RespHistory.outcomeOf("incr", "TRYAGAIN writes are paused for a switchover; retry")).isEqualTo("fail");
        assertThat(RespHistory.outcomeOf("put", "")).as("timed out").isEqualTo("unknown");
        assertThat(RespHistory.outcomeOf("append", "Error: Connection reset by peer")).isEqualTo("unknown");
        assertThat(RespHistory.outcomeOf("put", "TRYAGAIN primary of epoch 2 stepped down (fenced); the write may or may"
                + " not survive")).isEqualTo("unknown");
        assertThat(RespHistory.outcomeOf("incr", "OK")).as("not an integer").isEqualTo("unknown");
    }

    @Test
    void after_an_unknown_call_the_client_goes_on_under_a_new_name() {
        List<RespHistory.Op> ops = RespHistory.parse("""
                H c1 put kv-r0 c1-1 1000 1500 OK
                H c1 put kv-r0 c1-2 2000 5000
                H c1 put kv-r1 c1-3 6000 6500 Could not connect to Redis at kv-rw:6379: Connection refused
                H c1 put kv-r1 c1-4 7000 7500 OK
                """);

        assertThat(ops).extracting(RespHistory.Op::client).containsExactly("c1#0", "c1#0", "c1#1", "c1#1");
        assertThat(ops).extracting(RespHistory.Op::outcome).containsExactly("ok", "unknown", "fail", "ok");
    }

    @Test
    void the_checker_finds_an_acknowledged_append_that_a_later_one_did_not_see_and_passes_the_history_without_it()
            throws Exception {
        String lost = """
                H c1 append kv-a0 c1.1, 1000 2000 5
                H c2 append kv-a0 c2.1, 3000 4000 5
                """;
        String kept = """
                H c1 append kv-a0 c1.1, 1000 2000 5
                H c2 append kv-a0 c2.1, 3000 4000 10
                """;

        HistoryChecker.Verdict caught = HistoryChecker.check(RespHistory.parse(lost), "unit-lost-append");
        HistoryChecker.Verdict passed = HistoryChecker.check(RespHistory.parse(kept), "unit-kept-append");

        assertThat(caught.exitStatus()).as(caught.output()).isEqualTo(1);
        assertThat(passed.exitStatus()).as(passed.output()).isZero();
    }
}
