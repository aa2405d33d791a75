package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** kv promote's requests to a running kv local: one per id, the newest carried out, none outliving its client. */
class SwitchoverRequestTest {

    @Test
    void the_newest_request_is_carried_out_an_older_one_is_told_so_and_each_answer_goes_to_its_own_id() throws Exception {
        Path dir = Files.createTempDirectory("switchover");
        SwitchoverRequest requests = new SwitchoverRequest(dir);
        long now = System.currentTimeMillis();
        String older = requests.ask("kv-1", now + 30_000, now);
        String newer = requests.ask("kv-2", now + 30_000, now + 1);

        var pending = requests.pending(now).orElseThrow();
        assertThat(pending.id()).isEqualTo(newer);
        assertThat(pending.store()).isEqualTo("kv-2");
        assertThat(requests.outcome(older).orElseThrow().state()).isEqualTo(SwitchoverRequest.Outcome.REFUSED);
        assertThat(requests.outcome(older).orElseThrow().message()).contains("a later kv promote");

        requests.answer(pending, SwitchoverRequest.Outcome.WAITING, "kv-2 does not follow the primary now");
        assertThat(requests.outcome(newer).orElseThrow().finished()).isFalse();
        assertThat(requests.pending(now)).as("a waiting request stays").isPresent();
        requests.answer(pending, SwitchoverRequest.Outcome.DONE, "kv-2 is the primary in epoch 3");
        assertThat(requests.outcome(newer).orElseThrow().message()).isEqualTo("kv-2 is the primary in epoch 3");
        assertThat(requests.pending(now)).as("a finished request is gone").isEmpty();

        requests.withdraw(newer);
        requests.withdraw(older);
        try (var left = Files.list(dir)) {
            assertThat(left).as("each client removes its own files").isEmpty();
        }
    }

    @Test
    void a_request_whose_client_stopped_waiting_is_never_carried_out_and_a_new_kv_local_starts_with_none()
            throws Exception {
        Path dir = Files.createTempDirectory("switchover");
        SwitchoverRequest requests = new SwitchoverRequest(dir);
        long now = System.currentTimeMillis();
        String expired = requests.ask("kv-1", now - 1);
        assertThat(requests.pending(now)).isEmpty();
        assertThat(requests.outcome(expired)).isEmpty();

        requests.ask("kv-2", now + 30_000);
        requests.clearAll();
        assertThat(requests.pending(now)).isEmpty();
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }
}
