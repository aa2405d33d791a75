package dev.kvstore.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The committed CRD (crds/ and the chart's copy) is exactly what the build generates from the Java model. */
class CrdDriftTest {

    private static final String FILE = "kvclusters.kvstore.dev-v1.yml";

    @Test
    void the_committed_crd_matches_the_generated_one() throws Exception {
        String generated = Files.readString(Path.of("target/classes/META-INF/fabric8/" + FILE));
        Path root = Tools.root();
        assertThat(Files.readString(root.resolve("crds/" + FILE)))
                .as("crds/%s drifted from the model: copy operator/target/classes/META-INF/fabric8/%s over it", FILE, FILE)
                .isEqualTo(generated);
        assertThat(Files.readString(root.resolve("helm/kvcluster-operator/crds/" + FILE)))
                .as("the chart's CRD drifted: copy crds/%s into helm/kvcluster-operator/crds/", FILE)
                .isEqualTo(generated);
    }
}
