package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoleLabelsTest {

    private static StoreMember member(String name, String role) {
        var pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata();
        if (role != null) {
            pod.editMetadata().addToLabels(KvNames.ROLE_LABEL, role).endMetadata();
        }
        return new StoreMember(name, "10.0.0.1", pod.build());
    }

    private static List<String> planned(List<StoreMember> members, String primary) {
        return RoleLabels.plan(members, primary).stream().map(r -> r.podName() + "=" + r.role()).toList();
    }

    @Test
    void the_old_primary_is_demoted_before_the_new_one_is_labelled_whatever_their_order() {
        // kv-0 before kv-2 in the members' order: labelled in that order, both would be primary for a moment
        assertThat(planned(List.of(member("kv-0", "secondary"), member("kv-1", "secondary"), member("kv-2", "primary")),
                "kv-0")).containsExactly("kv-2=secondary", "kv-0=primary");
        assertThat(planned(List.of(member("kv-0", "primary"), member("kv-1", "secondary"), member("kv-2", "secondary")),
                "kv-2")).containsExactly("kv-0=secondary", "kv-2=primary");
    }

    @Test
    void a_demotion_refused_holds_the_promotion_back_and_what_each_pod_bears_is_counted() {
        var plan = RoleLabels.plan(List.of(member("kv-0", "secondary"), member("kv-1", "primary"),
                member("kv-2", "primary")), "kv-0");
        java.util.Map<String, String> roles = new java.util.LinkedHashMap<>(java.util.Map.of(
                "kv-0", "secondary", "kv-1", "primary", "kv-2", "primary"));
        List<String> patched = new java.util.ArrayList<>();

        RoleLabels.apply(plan, roles, (pod, role) -> {
            if (pod.equals("kv-2")) {
                throw new io.fabric8.kubernetes.client.KubernetesClientException("refused by a webhook", 403, null);
            }
            patched.add(pod + "=" + role);
        });

        assertThat(patched).as("kv-1 demoted, kv-0 not promoted while kv-2 still bears the label")
                .containsExactly("kv-1=secondary");
        assertThat(RoleLabels.expectedCounts(roles)).containsExactly(1, 2);
    }

    @Test
    void a_pod_gone_is_no_longer_counted_and_the_promotion_goes_on() {
        var plan = RoleLabels.plan(List.of(member("kv-0", "secondary"), member("kv-1", "primary")), "kv-0");
        java.util.Map<String, String> roles = new java.util.LinkedHashMap<>(java.util.Map.of(
                "kv-0", "secondary", "kv-1", "primary"));

        RoleLabels.apply(plan, roles, (pod, role) -> {
            if (pod.equals("kv-1")) {
                throw new io.fabric8.kubernetes.client.KubernetesClientException("not found", 404, null);
            }
        });

        assertThat(roles).containsOnly(java.util.Map.entry("kv-0", "primary"));
        assertThat(RoleLabels.expectedCounts(roles)).containsExactly(1, 0);
    }

    @Test
    void only_the_labels_that_differ_are_set_and_a_pod_being_deleted_keeps_its_own() {
        Pod deleting = new PodBuilder().withNewMetadata().withName("kv-1").withNamespace("ns")
                .withDeletionTimestamp("2026-12-07T00:00:00Z").addToLabels(KvNames.ROLE_LABEL, "primary").endMetadata().build();
        assertThat(planned(List.of(member("kv-0", "primary"), new StoreMember("kv-1", null, deleting), member("kv-2", null)),
                "kv-0")).containsExactly("kv-2=secondary");
        assertThat(planned(List.of(member("kv-0", "primary"), member("kv-1", "secondary")), "kv-0")).isEmpty();
    }
}
