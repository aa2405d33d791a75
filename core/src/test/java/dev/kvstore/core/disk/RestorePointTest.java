package dev.kvstore.core.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RestorePointTest {

    @Test
    void a_time_or_a_position_reads_back_as_written() {
        assertThat(RestorePoint.parse("2026-12-07T01:02:03.456Z")).isEqualTo(new RestorePoint.AtTime(1796605323456L));
        assertThat(RestorePoint.parse("3:1200")).isEqualTo(new RestorePoint.AtPosition(3, 1200));
        for (String text : new String[] {"2026-12-07T01:02:03.456Z", "3:1200"}) {
            assertThat(RestorePoint.parse(text).toString()).isEqualTo(text);
        }
    }

    @Test
    void anything_else_is_refused_saying_what_is_expected() {
        for (String bad : new String[] {"", "yesterday", "3:", "3:0", "-1:5", "2026-12-07 01:02"}) {
            assertThatThrownBy(() -> RestorePoint.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("restore");
        }
    }
}
