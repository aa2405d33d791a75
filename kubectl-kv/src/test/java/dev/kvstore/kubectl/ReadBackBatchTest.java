package dev.kvstore.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The read-back is taken only when whole: a reply per key and redis-cli's end mark; otherwise it is read again. */
class ReadBackBatchTest {

    @Test
    void a_reply_per_key_and_the_end_mark_give_each_keys_value_or_absence() {
        ReadBackBatch batch = ReadBackBatch.parse("v5\n\nv7\nEND 0\n", 5, 7);

        assertThat(batch.complete()).isTrue();
        assertThat(batch.values()).containsExactly(java.util.Map.entry(5L, "v5"), java.util.Map.entry(6L, ""),
                java.util.Map.entry(7L, "v7"));
    }

    @Test
    void a_failed_get_whose_line_is_missing_is_not_taken_for_shifted_values() {
        // what a CI run once counted as 18 lost writes: a GET failed, its error was not in the output, and every
        // later key was compared with its neighbour's value
        ReadBackBatch batch = ReadBackBatch.parse("v1\nv3\nv4\nEND 0\n", 1, 4);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.values()).isEmpty();
        assertThat(batch.trouble()).contains("3 reply lines for 4 keys");
    }

    @Test
    void an_output_cut_short_is_not_taken_for_absent_keys() {
        ReadBackBatch batch = ReadBackBatch.parse("v1\nv2\n", 1, 4);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.values()).isEmpty();
        assertThat(batch.trouble()).contains("keys 1..4").contains("end mark");
    }

    @Test
    void a_connection_lost_partway_is_not_taken_for_absent_keys() {
        String output = "v1\nCould not connect to Redis at kv-rw:6379: Connection refused\n\n\nEND 0\n";

        ReadBackBatch batch = ReadBackBatch.parse(output, 1, 3);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.trouble()).contains("Connection refused");
    }

    @Test
    void an_error_reply_in_place_of_a_value_is_read_again() {
        // raw mode prints an empty line after an error reply
        ReadBackBatch batch = ReadBackBatch.parse("v1\nTRYAGAIN no primary\n\nEND 0\n", 1, 2);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.trouble()).contains("TRYAGAIN no primary");
    }

    @Test
    void a_connection_error_in_place_of_a_reply_is_not_taken_for_a_value() {
        // redis-cli fed from a pipe prints one line for a GET whose connection broke: the count still matches
        ReadBackBatch batch = ReadBackBatch.parse("v1\nError: Server closed the connection\nEND 0\n", 1, 2);

        assertThat(batch.complete()).isFalse();
        assertThat(batch.trouble()).contains("an error in place of a value: Error: Server closed the connection");
    }

    @Test
    void redis_cli_failing_is_read_again() {
        assertThat(ReadBackBatch.parse("v1\n\nEND 1\n", 1, 2).trouble()).contains("status 1");
    }

    @Test
    void a_different_value_is_a_value_the_report_counts_as_lost() {
        ReadBackBatch batch = ReadBackBatch.parse("v9\nEND 0\n", 1, 1);

        assertThat(batch.complete()).isTrue();
        assertThat(batch.values()).containsEntry(1L, "v9");
    }
}
