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
                H c1 getset kv-r0 c1-1 1000 1500 |rc=0
                H c2 append kv-a1 c2.1, 1100 1600 6|rc=0
                H c3 incr kv-c0 - 1200 1700 3|rc=0
                H c2 getset kv-r0 c2-2 1600 1700 c1-1|rc=0
                """);

        assertThat(ops).containsExactly(
                new RespHistory.Op("c1#0", "getset", "kv-r0", "c1-1", null, 1_000_000, 1_500_000, "ok"),
                new RespHistory.Op("c2#0", "append", "kv-a1", "c2.1,", "6", 1_100_000, 1_600_000, "ok"),
                new RespHistory.Op("c3#0", "incr", "kv-c0", null, "3", 1_200_000, 1_700_000, "ok"),
                new RespHistory.Op("c2#0", "getset", "kv-r0", "c2-2", "c1-1", 1_600_000, 1_700_000, "ok"));
    }

    @Test
    void a_refusal_before_the_log_failed_and_anything_that_may_have_been_applied_is_unknown() {
        assertThat(RespHistory.answerOf("getset",
                "Could not connect to Redis at kv-rw:6379: Connection refused|rc=1").outcome()).isEqualTo("fail");
        assertThat(RespHistory.answerOf("getset",
                "Could not negotiate a TLS connection: SSL_connect failed: certificate verify failed|rc=1").outcome())
                .isEqualTo("fail");
        // raw mode prints an empty line after an error reply: that is not a nil reply
        assertThat(RespHistory.answerOf("getset", "READONLY You can't write against a read only replica.||rc=0")
                .outcome()).isEqualTo("fail");
        assertThat(RespHistory.answerOf("incr", "TRYAGAIN writes are paused for a switchover; retry||rc=0").outcome())
                .isEqualTo("fail");
        assertThat(RespHistory.answerOf("getset", "rc=124").outcome()).as("timed out: nothing heard")
                .isEqualTo("unknown");
        assertThat(RespHistory.answerOf("append", "Error: Connection reset by peer|rc=1").outcome()).isEqualTo("unknown");
        assertThat(RespHistory.answerOf("getset", "TRYAGAIN primary of epoch 2 stepped down (fenced); the write may or"
                + " may not survive||rc=0").outcome()).isEqualTo("unknown");
        assertThat(RespHistory.answerOf("incr", "|rc=0").outcome()).as("nil is no INCR's reply").isEqualTo("unknown");
    }

    @Test
    void what_redis_cli_said_while_connecting_does_not_hide_the_reply_nil_included() {
        // an AUTH that failed prints "\nI/O error\n"; redis-cli then sends the command on a new connection
        assertThat(RespHistory.answerOf("incr", "|I/O error|12|rc=0")).isEqualTo(new RespHistory.Answer("ok", "12"));
        assertThat(RespHistory.answerOf("getset", "|I/O error|c2-7|rc=0"))
                .isEqualTo(new RespHistory.Answer("ok", "c2-7"));
        assertThat(RespHistory.answerOf("getset", "|I/O error||rc=0")).isEqualTo(new RespHistory.Answer("ok", null));
        // a first connect whose TLS session failed, then the command on a new one, answered nil
        assertThat(RespHistory.answerOf("getset",
                "Could not negotiate a TLS connection: SSL_connect failed: certificate verify failed||rc=0"))
                .isEqualTo(new RespHistory.Answer("ok", null));
        // a broken connection before an empty line is not a nil reply
        assertThat(RespHistory.answerOf("getset", "Error: Server closed the connection||rc=0").outcome())
                .isEqualTo("unknown");
    }

    @Test
    void after_an_unknown_call_the_client_goes_on_under_a_new_name() {
        List<RespHistory.Op> ops = RespHistory.parse("""
                H c1 getset kv-r0 c1-1 1000 1500 |rc=0
                H c1 getset kv-r0 c1-2 2000 5000 rc=124
                H c1 getset kv-r1 c1-3 6000 6500 Could not connect to Redis at kv-rw:6379: Connection refused|rc=1
                H c1 getset kv-r1 c1-4 7000 7500 |rc=0
                """);

        assertThat(ops).extracting(RespHistory.Op::client).containsExactly("c1#0", "c1#0", "c1#1", "c1#1");
        assertThat(ops).extracting(RespHistory.Op::outcome).containsExactly("ok", "unknown", "fail", "ok");
    }

    @Test
    void the_checker_finds_an_acknowledged_write_or_append_that_a_later_call_did_not_see_and_passes_one_that_did()
            throws Exception {
        String lostAppend = """
                H c1 append kv-a0 c1.1, 1000 2000 5|rc=0
                H c2 append kv-a0 c2.1, 3000 4000 5|rc=0
                """;
        String lostSet = """
                H c1 getset kv-r0 c1-1 1000 2000 |rc=0
                H c2 getset kv-r0 c2-1 3000 4000 |rc=0
                """;
        String kept = """
                H c1 append kv-a0 c1.1, 1000 2000 5|rc=0
                H c2 append kv-a0 c2.1, 3000 4000 10|rc=0
                H c1 getset kv-r0 c1-2 5000 6000 |rc=0
                H c2 getset kv-r0 c2-2 7000 8000 c1-2|rc=0
                """;

        HistoryChecker.Verdict appendCaught = HistoryChecker.check(RespHistory.parse(lostAppend), "unit-lost-append");
        HistoryChecker.Verdict setCaught = HistoryChecker.check(RespHistory.parse(lostSet), "unit-lost-set");
        HistoryChecker.Verdict passed = HistoryChecker.check(RespHistory.parse(kept), "unit-kept");

        assertThat(appendCaught.exitStatus()).as(appendCaught.output()).isEqualTo(1);
        assertThat(setCaught.exitStatus()).as(setCaught.output()).isEqualTo(1);
        assertThat(passed.exitStatus()).as(passed.output()).isZero();
    }
}
