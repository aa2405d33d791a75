package dev.kvstore.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeProcessTest {

    @Test
    void a_store_inherits_none_of_the_shells_store_settings_only_what_kv_local_gives_it() {
        Map<String, String> environment = new HashMap<>(Map.of(
                "PATH", "/usr/bin", "HOME", "/root", "KV_SECRET", "from-the-shell", "KV_TLS_DIR", "/elsewhere",
                "QUARKUS_HTTP_PORT", "8080", "KVX", "not ours"));

        NodeProcess.dropInheritedStoreSettings(environment);

        // a KV_SECRET from the shell would win over the secret file that kv rotate-secret rewrites
        assertThat(environment).containsOnlyKeys("PATH", "HOME", "KVX");
    }
}
