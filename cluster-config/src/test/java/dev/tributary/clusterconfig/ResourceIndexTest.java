package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Every file this module ships has a test that checks its contents; a new file fails here until it gets one. */
final class ResourceIndexTest {

    /** Each shipped file and the test class that checks its values (beyond the generic parse checks). */
    static final Map<String, Class<?>> TESTED_BY = new TreeMap<>(Map.of(
            "local.conf", LocalOverlayTest.class,
            "loopback-3node.conf", LoopbackOverlayTest.class,
            "kubernetes.conf", KubernetesOverlayTest.class,
            "kubernetes/rbac.yaml", ManifestsTest.class,
            "kubernetes/master.yaml", ManifestsTest.class,
            "kubernetes/rollout.yaml", ManifestsTest.class,
            "kubernetes/reward.yaml", ManifestsTest.class,
            "kubernetes/replay.yaml", ManifestsTest.class,
            "kubernetes/trainer.yaml", ManifestsTest.class,
            "kubernetes/checkpoints.yaml", ManifestsTest.class));

    @Test
    void everyShippedFile_hasATest() {
        List<String> untested = new ArrayList<>(Overlays.listFiles());
        untested.removeAll(TESTED_BY.keySet());
        assertEquals(List.of(), untested, "files under " + Overlays.DIR + "/ without a test: check their contents "
                + "in a test and list them in ResourceIndexTest.TESTED_BY");
    }

    @Test
    void everyIndexedFile_isShipped() {
        List<String> missing = new ArrayList<>(TESTED_BY.keySet());
        missing.removeAll(Overlays.listFiles());
        assertEquals(List.of(), missing, "listed in ResourceIndexTest.TESTED_BY but not under " + Overlays.DIR + "/");
    }

    @Test
    void onlyOverlaysAndManifests_areShipped() {
        for (String file : Overlays.listFiles()) {
            assertTrue(file.matches("[a-z0-9-]+\\.conf") || file.matches(Manifests.DIR + "[a-z0-9-]+\\.yaml"),
                    file + ": overlays are <name>.conf, manifests kubernetes/<name>.yaml");
        }
    }

    @Test
    void readme_namesEveryOverlayAndManifestFolder() throws IOException {
        // Surefire runs in the module folder, where the README lives.
        String readme = Files.readString(Path.of("README.md"));
        for (String conf : Overlays.listFiles(".conf")) {
            assertTrue(readme.contains("cluster-config/" + conf), "README.md does not mention cluster-config/" + conf);
        }
        assertTrue(readme.contains("kubectl apply"), "README.md does not say how to apply the manifests");
    }
}
