package dev.tributary.examples;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.cluster.ClusterNodes;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example plug-ins of {@link ExamplePluginsTest}, chosen by class name, across four nodes of a loopback cluster. */
@Tag("slow")
class ExamplePluginsClusterTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    @Test
    void onFourNodes_theExamplePluginsAreUsed(@TempDir Path dir) throws Exception {
        int seed = Loopback.freePorts(1)[0];
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        Plugins plugins = TinyRuns.recordingBatches(batches);
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "reward"), lines, plugins);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("replay"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, plugins));
        RunResult r = ClusterNodes.result(master, 3, lines::text);
        ExamplePluginsTest.assertTheExamplesRan(batches, r.metrics());
    }

    private static TributarySettings settings(Path dir, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(ExamplePluginsTest.PLUGINS
                + "tributary.cluster.min-rollout-workers = 2").withFallback(ClusterNodes.settings(dir, port, seed).config()));
    }
}
