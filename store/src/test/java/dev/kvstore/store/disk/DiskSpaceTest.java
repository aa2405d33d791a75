package dev.kvstore.store.disk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DiskSpaceTest {

    private final AtomicLong free = new AtomicLong();

    private DiskSpace.Volume volume(long total) {
        return new DiskSpace.Volume() {
            @Override
            public long usableBytes() {
                return free.get();
            }

            @Override
            public long totalBytes() {
                return total;
            }
        };
    }

    @Test
    void writes_pass_above_the_reserve_and_are_refused_below_it_with_redis_misconf_words() throws IOException {
        free.set(10_000);
        DiskSpace space = new DiskSpace(volume(1_000_000), 5_000);
        assertThat(space.refusal(false)).isNull();
        free.set(4_999);
        assertThat(space.refusal(false)).as("not measured again yet").isNull();
        space.refresh();
        assertThat(space.refusal(false)).startsWith("MISCONF").contains("4999 bytes free").contains("Nothing was stored");
    }

    @Test
    void deletes_may_use_the_upper_half_of_the_reserve_to_make_room() throws IOException {
        free.set(3_000);
        DiskSpace space = new DiskSpace(volume(1_000_000), 5_000);
        assertThat(space.refusal(false)).isNotNull();
        assertThat(space.refusal(true)).isNull();
        free.set(2_499);
        space.refresh();
        assertThat(space.refusal(true)).startsWith("MISCONF");
    }

    @Test
    void the_default_reserve_is_a_tenth_of_the_volume_up_to_64_mib() throws IOException {
        assertThat(new DiskSpace(volume(20L << 20), -1).reserveBytes()).isEqualTo(2L << 20);
        assertThat(new DiskSpace(volume(100L << 30), -1).reserveBytes()).isEqualTo(64L << 20);
    }
}
