package dev.kvstore.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.operator.resources.KvNames;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RoleLabelsTest {

    private static Pod pod(String name, String role) {
        var pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata();
        if (role != null) {
            pod.editMetadata().addToLabels(KvNames.ROLE_LABEL, role).endMetadata();
        }
        return pod.build();
    }

    private static StoreMember member(Pod pod) {
        return new StoreMember(pod.getMetadata().getName(), "10.0.0.1", pod);
    }

    /** The plan for these pods, the first {@code members} of them being the stores. */
    private static List<String> planned(List<Pod> pods, int members, String primary) {
        return RoleLabels.plan(pods.stream().limit(members).map(RoleLabelsTest::member).toList(), pods, primary).stream()
                .map(r -> r.podName() + "=" + r.role()).toList();
    }

    private static Map<String, String> roles(List<Pod> pods) {
        Map<String, String> roles = new LinkedHashMap<>();
        pods.forEach(p -> roles.put(p.getMetadata().getName(), p.getMetadata().getLabels().get(KvNames.ROLE_LABEL)));
        return roles;
    }

    @Test
    void the_old_primary_is_demoted_before_the_new_one_is_labelled_whatever_their_order() {
        // kv-0 before kv-2 by name: labelled in that order, both would be primary for a moment
        var pods = List.of(pod("kv-0", "secondary"), pod("kv-1", "secondary"), pod("kv-2", "primary"));
        assertThat(planned(pods, 3, "kv-0")).containsExactly("kv-2=secondary", "kv-0=primary");
        var other = List.of(pod("kv-0", "primary"), pod("kv-1", "secondary"), pod("kv-2", "secondary"));
        assertThat(planned(other, 3, "kv-2")).containsExactly("kv-0=secondary", "kv-2=primary");
    }

    @Test
    void a_pod_past_the_stores_that_bears_the_primarys_label_loses_it_and_is_otherwise_left_alone() {
        // after a scale-down from 5 to 3 whose switchover moved the primary off kv-4, and whose demotion failed
        var pods = List.of(pod("kv-0", "secondary"), pod("kv-1", "secondary"), pod("kv-2", "secondary"),
                pod("kv-3", null), pod("kv-4", "primary"));
        assertThat(planned(pods, 3, "kv-0")).containsExactly("kv-4=secondary", "kv-0=primary");
    }

    @Test
    void a_demotion_refused_holds_the_promotion_back_and_what_each_pod_bears_is_counted() {
        var pods = List.of(pod("kv-0", "secondary"), pod("kv-1", "primary"), pod("kv-2", "primary"));
        Map<String, String> roles = roles(pods);
        List<String> patched = new ArrayList<>();

        RoleLabels.apply(RoleLabels.plan(pods.stream().map(RoleLabelsTest::member).toList(), pods, "kv-0"), roles, Set.of(),
                (pod, role) -> {
                    if (pod.equals("kv-2")) {
                        throw new KubernetesClientException("refused by a webhook", 403, null);
                    }
                    patched.add(pod + "=" + role);
                });

        assertThat(patched).as("kv-1 demoted, kv-0 not promoted while kv-2 still bears the label")
                .containsExactly("kv-1=secondary");
        assertThat(RoleLabels.expectedCounts(roles)).containsExactly(1, 2);
    }

    @Test
    void a_refused_secondary_label_on_an_unlabelled_pod_or_a_primary_label_on_a_pod_being_deleted_holds_nothing_back() {
        var pods = List.of(pod("kv-0", "secondary"), pod("kv-1", "primary"), pod("kv-2", null));
        Map<String, String> roles = roles(pods);
        List<String> patched = new ArrayList<>();
        var plan = Stream.of(new RoleLabels.Relabel(pods.get(2), "secondary"), new RoleLabels.Relabel(pods.get(0), "primary"))
                .toList();

        // kv-1, the lost primary, is being deleted: it keeps its label until it is gone
        RoleLabels.apply(plan, roles, Set.of("kv-1"), (pod, role) -> {
            if (pod.equals("kv-2")) {
                throw new IllegalStateException("not a KubernetesClientException: said, and the pass goes on");
            }
            patched.add(pod + "=" + role);
        });

        assertThat(patched).containsExactly("kv-0=primary");
    }

    @Test
    void a_pod_gone_is_no_longer_counted_and_the_promotion_goes_on() {
        var pods = List.of(pod("kv-0", "secondary"), pod("kv-1", "primary"));
        Map<String, String> roles = roles(pods);

        RoleLabels.apply(RoleLabels.plan(pods.stream().map(RoleLabelsTest::member).toList(), pods, "kv-0"), roles, Set.of(),
                (pod, role) -> {
                    if (pod.equals("kv-1")) {
                        throw new KubernetesClientException("not found", 404, null);
                    }
                });

        assertThat(roles).containsOnly(Map.entry("kv-0", "primary"));
        assertThat(RoleLabels.expectedCounts(roles)).containsExactly(1, 0);
    }

    @Test
    void only_the_labels_that_differ_are_set_and_a_pod_being_deleted_keeps_its_own() {
        Pod deleting = new PodBuilder().withNewMetadata().withName("kv-1").withNamespace("ns")
                .withDeletionTimestamp("2026-12-07T00:00:00Z").addToLabels(KvNames.ROLE_LABEL, "primary").endMetadata().build();
        var pods = List.of(pod("kv-0", "primary"), deleting, pod("kv-2", null));
        assertThat(planned(pods, 3, "kv-0")).containsExactly("kv-2=secondary");
        assertThat(planned(List.of(pod("kv-0", "primary"), pod("kv-1", "secondary")), 2, "kv-0")).isEmpty();
    }
}
