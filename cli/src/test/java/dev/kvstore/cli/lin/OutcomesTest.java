package dev.kvstore.cli.lin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.cli.lin.History.Outcome;
import org.junit.jupiter.api.Test;

class OutcomesTest {

    @Test
    void refusals_before_the_log_applied_nothing() {
        assertThat(Outcomes.ofHttpRefusal(421, "{\"message\":\"this store is secondary\"}")).isEqualTo(Outcome.FAIL);
        assertThat(Outcomes.ofHttpRefusal(503, "this primary was deposed: epoch 3")).isEqualTo(Outcome.FAIL);
        assertThat(Outcomes.ofHttpRefusal(503, "new primary is waiting out the old primary's read lease; retry"))
                .isEqualTo(Outcome.FAIL);
        assertThat(Outcomes.ofRespError("READONLY You can't write against a read only replica.")).isEqualTo(Outcome.FAIL);
        assertThat(Outcomes.ofRespError("TRYAGAIN writes are paused for a switchover; retry")).isEqualTo(Outcome.FAIL);
        assertThat(Outcomes.ofRespError("NOREPLICAS Not enough good replicas to write.")).isEqualTo(Outcome.FAIL);
    }

    @Test
    void a_write_in_the_log_when_its_primary_stepped_down_or_timed_out_may_survive() {
        assertThat(Outcomes.ofHttpRefusal(503, "primary of epoch 2 stepped down (fenced); the write may or may not survive"))
                .isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofHttpRefusal(504, "not acknowledged by enough secondaries")).isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofHttpRefusal(503, "this store cannot make writes durable: fsync failed")).isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofRespError("TRYAGAIN primary of epoch 2 stepped down (fenced); the write may or may not survive"))
                .isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofRespError("TIMEOUT the write may or may not have been applied")).isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofRespError("MISCONF this store cannot make writes durable: x")).isEqualTo(Outcome.UNKNOWN);
        assertThat(Outcomes.ofRespError("ERR something new")).isEqualTo(Outcome.UNKNOWN);
    }
}
