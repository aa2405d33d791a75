package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The checker as the fault tests use it (histories recorded by {@link History}, run through the
 * built binary) must say no when a store misbehaves: a stale read and a lost write are reported,
 * and the same history without them passes. hack/lincheck's own Go tests cover the model in detail.
 */
class HistoryCheckIT {

    @Test
    void a_stale_read_is_reported() throws Exception {
        History history = new History();
        history.invoke("writer", "put", "k", "1").ok(null, "kv-0");
        history.invoke("writer", "put", "k", "2").ok(null, "kv-1");
        history.invoke("reader", "get", "k", null).ok("1", "kv-0"); // a deposed primary's answer

        Lincheck.Verdict verdict = Lincheck.check(history, Lincheck.artifacts(), "injected-stale-read");

        assertThat(verdict.exitStatus()).as(verdict.toString()).isEqualTo(1);
        assertThat(verdict.output()).contains("Illegal");
    }

    @Test
    void a_lost_write_is_reported() throws Exception {
        History history = new History();
        history.invoke("writer", "put", "k", "1").ok(null, "kv-0");
        history.invoke("reader", "get", "k", null).ok(null, "kv-1"); // acknowledged, then absent

        Lincheck.Verdict verdict = Lincheck.check(history, Lincheck.artifacts(), "injected-lost-write");

        assertThat(verdict.exitStatus()).as(verdict.toString()).isEqualTo(1);
    }

    @Test
    void the_same_operations_in_a_legal_order_pass_with_unknown_and_failed_writes_among_them() throws Exception {
        History history = new History();
        history.invoke("writer", "put", "k", "1").ok(null, "kv-0");
        history.invoke("writer", "put", "k", "2").ok(null, "kv-1");
        history.invoke("writer", "put", "k", "3").fail("kv-2");
        History.Op unanswered = history.invoke("writer-2", "put", "k", "4");
        history.invoke("reader", "get", "k", null).ok("2", "kv-1");
        history.invoke("counter", "incr", "n", null).ok("1", "kv-1");
        history.invoke("appender", "append", "l", "ab").ok("2", "kv-1");
        history.invoke("reader", "get", "l", null).ok("ab", "kv-1");
        // unanswered is still running when the history is written: it ends as unknown

        Lincheck.Verdict verdict = Lincheck.check(history, Lincheck.artifacts(), "legal");

        assertThat(verdict.exitStatus()).as(verdict.toString()).isZero();
        assertThat(verdict.output()).contains("Ok").contains("1 with unknown outcome").contains("1 failed ones left out");
        assertThat(verdict.visualization()).isNotEmptyFile();
    }
}
