package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What a larger spec.storage.size asks of the claims, decided from what is there. */
class VolumeResizeTest {

    private static final long GI = 1024L * 1024 * 1024;
    private static final Function<String, VolumeResize.Expansion> EXPANDABLE = c -> VolumeResize.Expansion.ALLOWED;
    private static final Function<String, VolumeResize.Expansion> FIXED = c -> VolumeResize.Expansion.NOT_ALLOWED;

    private static VolumeResize.Claim bound(String name, long requested, long capacity) {
        return new VolumeResize.Claim(name, requested, capacity, "standard", true, null);
    }

    @Test
    void claims_at_the_size_ask_nothing() {
        VolumeResize.Plan plan = VolumeResize.plan(GI, "1Gi",
                List.of(bound("data-kv-0", GI, GI), bound("data-kv-1", GI, 2 * GI)), EXPANDABLE);

        assertThat(plan.grow()).isEmpty();
        assertThat(plan.sized()).isTrue();
        assertThat(plan.reason()).isEqualTo("AsSpecified");
    }

    @Test
    void a_larger_size_grows_every_bound_claim_below_it() {
        VolumeResize.Plan plan = VolumeResize.plan(2 * GI, "2Gi",
                List.of(bound("data-kv-0", GI, GI), bound("data-kv-1", GI, GI)), EXPANDABLE);

        assertThat(plan.grow()).containsExactly("data-kv-0", "data-kv-1");
        assertThat(plan.sized()).isFalse();
        assertThat(plan.reason()).isEqualTo("Expanding");
        assertThat(plan.message()).contains("data-kv-0, data-kv-1", "2Gi");
    }

    @Test
    void a_claim_already_asked_for_is_not_asked_again_and_is_waited_for_until_its_capacity_comes() {
        VolumeResize.Plan waiting = VolumeResize.plan(2 * GI, "2Gi",
                List.of(new VolumeResize.Claim("data-kv-0", 2 * GI, GI, "standard", true,
                        "FileSystemResizePending: Waiting for user to (re-)start a pod")), EXPANDABLE);

        assertThat(waiting.grow()).isEmpty();
        assertThat(waiting.sized()).isFalse();
        assertThat(waiting.message()).contains("data-kv-0 (FileSystemResizePending: Waiting for user to (re-)start a pod)");

        VolumeResize.Plan grown = VolumeResize.plan(2 * GI, "2Gi", List.of(bound("data-kv-0", 2 * GI, 2 * GI)), EXPANDABLE);
        assertThat(grown.sized()).isTrue();
    }

    @Test
    void a_class_without_expansion_keeps_the_claims_and_says_what_to_do_instead() {
        VolumeResize.Plan plan = VolumeResize.plan(2 * GI, "2Gi",
                List.of(bound("data-kv-0", GI, GI), bound("data-kv-1", GI, GI)), FIXED);

        assertThat(plan.grow()).as("the API server would refuse it").isEmpty();
        assertThat(plan.sized()).isFalse();
        assertThat(plan.reason()).isEqualTo("ExpansionNotAllowed");
        assertThat(plan.message()).contains("StorageClass standard", "allowVolumeExpansion", "data-kv-0, data-kv-1",
                "make a new cluster of that size");
    }

    @Test
    void an_unbound_claim_is_grown_once_bound_and_a_larger_one_never_shrinks() {
        VolumeResize.Plan plan = VolumeResize.plan(2 * GI, "2Gi", List.of(
                new VolumeResize.Claim("data-kv-0", GI, 0, "standard", false, null),
                bound("data-kv-1", 4 * GI, 4 * GI)), EXPANDABLE);

        assertThat(plan.grow()).as("the API server lets only a bound claim grow; a larger one stays").isEmpty();
        assertThat(plan.sized()).isFalse();
        assertThat(plan.message()).contains("data-kv-0 grown to 2Gi once bound").doesNotContain("data-kv-1");
    }

    @Test
    void a_class_that_cannot_be_read_is_asked_anyway() {
        VolumeResize.Plan plan = VolumeResize.plan(2 * GI, "2Gi", List.of(bound("data-kv-0", GI, GI)),
                c -> VolumeResize.Expansion.UNKNOWN);

        assertThat(plan.grow()).containsExactly("data-kv-0");
    }
}
