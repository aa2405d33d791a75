package dev.kvstore.core.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvstore.core.FakeStores;
import dev.kvstore.core.admin.NodeStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Only stores not following the primary in the current epoch are told to. */
class RepointerTest {

    @Test
    void stragglers_are_told_to_follow_and_followers_left_alone() throws IOException {
        FakeStores stores = new FakeStores();
        var kv0 = stores.add("kv-0", 0);
        var kv1 = stores.add("kv-1", 0);
        var kv2 = stores.add("kv-2", 0);
        var kv3 = stores.add("kv-3", 0);
        stores.store("kv-0").role = "primary";
        stores.store("kv-0").epoch = 4;
        stores.store("kv-1").epoch = 4;
        stores.store("kv-1").primary = "kv-0:7400"; // follows: left alone
        stores.store("kv-2").epoch = 3;
        stores.store("kv-2").primary = "kv-0:7400"; // an older term
        stores.store("kv-3").role = "primary"; // a deposed primary that came back
        stores.store("kv-3").epoch = 3;
        Map<FakeStores.Member, NodeStatus> answering = new LinkedHashMap<>();
        for (var member : List.of(kv0, kv1, kv2, kv3)) {
            answering.put(member, stores.status(member.adminUrl()));
        }
        stores.calls.clear();
        List<String> told = new ArrayList<>();

        new Repointer(stores).repoint(answering, kv0, 4, new Repointer.Listener<>() {
            @Override
            public void repointed(FakeStores.Member member, NodeStatus was) {
                told.add(member.name() + " was " + was.role());
            }

            @Override
            public void failed(FakeStores.Member member, IOException error) {
                told.add(member.name() + " failed");
            }
        });

        assertThat(stores.sent("follow")).containsExactly("follow kv-2@4 kv-0:7400", "follow kv-3@4 kv-0:7400");
        assertThat(told).containsExactly("kv-2 was secondary", "kv-3 was primary");
    }

    @Test
    void a_store_fenced_for_maintenance_is_not_told_to_follow() throws IOException {
        FakeStores stores = new FakeStores();
        var kv0 = stores.add("kv-0", 0);
        var kv1 = stores.add("kv-1", 0);
        stores.store("kv-0").role = "primary";
        stores.store("kv-1").role = "none";
        stores.store("kv-1").maintenanceFenced = true;
        Map<FakeStores.Member, NodeStatus> answering = new LinkedHashMap<>();
        answering.put(kv0, stores.status(kv0.adminUrl()));
        answering.put(kv1, stores.status(kv1.adminUrl()));
        List<String> failed = new ArrayList<>();

        new Repointer(stores).repoint(answering, kv0, 1, new Repointer.Listener<>() {
            @Override
            public void repointed(FakeStores.Member member, NodeStatus was) {
            }

            @Override
            public void failed(FakeStores.Member member, IOException error) {
                failed.add(member.name());
            }
        });

        assertThat(stores.sent("follow")).isEmpty();
        assertThat(failed).isEmpty();
    }
}
