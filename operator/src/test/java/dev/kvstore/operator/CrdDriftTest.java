package dev.kvstore.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** The committed CRDs (crds/ and the chart's copies) are exactly what the build generates from the Java model. */
class CrdDriftTest {

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"kvclusters.kvstore.dev-v1.yml", "kvbackups.kvstore.dev-v1.yml"})
    void the_committed_crd_matches_the_generated_one(String file) throws Exception {
        String generated = Files.readString(Path.of("target/classes/META-INF/fabric8/" + file));
        Path root = Tools.root();
        assertThat(Files.readString(root.resolve("crds/" + file)))
                .as("crds/%s drifted from the model: copy operator/target/classes/META-INF/fabric8/%s over it", file, file)
                .isEqualTo(generated);
        assertThat(Files.readString(root.resolve("helm/kvcluster-operator/crds/" + file)))
                .as("the chart's CRD drifted: copy crds/%s into helm/kvcluster-operator/crds/", file)
                .isEqualTo(generated);
    }
}
