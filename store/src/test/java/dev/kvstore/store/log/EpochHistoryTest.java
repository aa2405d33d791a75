package dev.kvstore.store.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class EpochHistoryTest {

    private static EpochHistory historyOf(long[] epochs) {
        EpochHistory history = EpochHistory.EMPTY;
        for (int i = 0; i < epochs.length; i++) {
            history = history.withEntry(epochs[i], i + 1);
        }
        return history;
    }

    @Example
    void a_former_primary_keeps_only_what_the_new_primary_also_has() {
        // old primary wrote offsets 1-5 in epoch 1; the new primary had 1-3 and started epoch 2 at 4
        EpochHistory oldPrimary = historyOf(new long[]{1, 1, 1, 1, 1});
        EpochHistory newPrimary = historyOf(new long[]{1, 1, 1, 2, 2, 2});
        assertThat(EpochHistory.commonPrefix(newPrimary, 6, oldPrimary, 5)).isEqualTo(3);
    }

    @Example
    void a_secondary_that_is_merely_behind_keeps_everything() {
        EpochHistory primary = historyOf(new long[]{1, 1, 2, 2, 3});
        EpochHistory behind = historyOf(new long[]{1, 1, 2});
        assertThat(EpochHistory.commonPrefix(primary, 5, behind, 3)).isEqualTo(3);
    }

    /**
     * Builds two logs that share a prefix and then diverge (each later entry's epoch is one only its
     * own writer used) and checks the common prefix is found exactly.
     */
    @Property(tries = 1000)
    void the_common_prefix_is_exactly_where_the_logs_part(
            @ForAll @IntRange(min = 0, max = 30) int shared, @ForAll @IntRange(min = 0, max = 10) int onlyA,
            @ForAll @IntRange(min = 0, max = 10) int onlyB, @ForAll @IntRange(min = 1, max = 4) int epochStep) {
        List<Long> prefix = new ArrayList<>();
        long epoch = 1;
        for (int i = 0; i < shared; i++) {
            if (i % 7 == 6) {
                epoch += epochStep;
            }
            prefix.add(epoch);
        }
        long[] a = new long[shared + onlyA];
        long[] b = new long[shared + onlyB];
        for (int i = 0; i < shared; i++) {
            a[i] = prefix.get(i);
            b[i] = prefix.get(i);
        }
        // a's suffix comes from one term, b's from a later, different one
        for (int i = 0; i < onlyA; i++) {
            a[shared + i] = epoch + 1;
        }
        for (int i = 0; i < onlyB; i++) {
            b[shared + i] = epoch + 2;
        }
        long common = EpochHistory.commonPrefix(historyOf(a), a.length, historyOf(b), b.length);
        long expected = (onlyA == 0 || onlyB == 0) ? Math.min(a.length, b.length) : shared;
        assertThat(common).isEqualTo(expected);
    }
}
