package dev.tributary.runtime.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.TrajectoryBatch;
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

/** The asynchronous driver of {@link AsynchronousRunTest} on four nodes of a loopback cluster. */
@Tag("slow")
class AsynchronousClusterRunTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    @Test
    void onFourNodes_theAsynchronousRunCompletes(@TempDir Path dir) throws Exception {
        int seed = Loopback.freePorts(1)[0];
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        var plugins = TinyRuns.recordingBatches(batches);
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "reward", "replay"), lines,
                plugins);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, plugins));
        RunResult r = ClusterNodes.result(master, 3, lines::text);
        assertEquals(4, r.metrics().size(), lines.text());
        assertTrue(AsynchronousRunTest.oldestAge(batches) <= 1);
    }

    private static TributarySettings settings(Path dir, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(AsynchronousRunTest.async(1)
                + "\ntributary.run.checkpoint-every = 0").withFallback(ClusterNodes.settings(dir, port, seed).config()));
    }
}
