package dev.tributary.runtime.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.Segment;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.cluster.ClusterNodes;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous driver on a real (tiny) model: rollout rounds go out while earlier ones are trained on, the
 * staleness bound holds on every trained token, nothing is trained twice, and it runs on a cluster too.
 */
class AsynchronousRunTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static String async(int eta) {
        return refusable(eta) + TinyRuns.RECORDING_STEP;
    }

    /** The asynchronous settings without the recording trainer step (which needs its plug-in registered). */
    private static String refusable(int eta) {
        return """
                tributary.master { driver = asynchronous, asynchronous.max-staleness = %d }
                tributary.run { iterations = 4, checkpoint-every = 2 }
                tributary.replay.capacity = 512
                tributary.sft.steps = 50
                """.formatted(eta);
    }

    /** The oldest segment of every trained sample is at most {@code eta} versions older than its batch. */
    private static int oldestAge(List<TrajectoryBatch> batches) {
        int oldest = 0;
        Set<String> ids = new HashSet<>();
        for (TrajectoryBatch b : batches) {
            for (Trajectory t : b.trajectories()) {
                assertTrue(ids.add(t.id()), "trajectory " + t.id() + " was trained twice");
                for (Segment s : t.segments()) {
                    assertTrue(s.policyVersion() <= b.version().number(), "a segment newer than its batch: " + s);
                    oldest = (int) Math.max(oldest, b.version().number() - s.policyVersion());
                }
            }
        }
        return oldest;
    }

    /**
     * A step trains one batch: the B = 4 prompts' groups of k = 4 samples the tiny run's settings give (fewer only
     * where groups were dropped as too stale), never every complete group the buffer happened to hold.
     */
    private static void assertOneBatchPerStep(List<TrajectoryBatch> batches) {
        for (TrajectoryBatch b : batches) {
            long groups = b.trajectories().stream().map(t -> dev.tributary.model.TrajectoryIds.group(t.id()))
                    .distinct().count();
            assertTrue(groups <= 4 && b.trajectories().size() == 4 * groups, "a step trained " + groups
                    + " groups of " + b.trajectories().size() + " samples");
        }
        assertTrue(batches.stream().anyMatch(b -> b.trajectories().size() == 16), "no step trained a whole batch");
    }

    private static RunResult run(Path dir, String extra, List<TrajectoryBatch> batches) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.config(dir, extra))
                .withPlugins(TinyRuns.recordingBatches(batches)))) {
            return TinyRuns.await(run);
        }
    }

    @Test
    void withNoStaleness_everyTrainedTokenIsFromTheVersionTrained(@TempDir Path dir) throws Exception {
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        RunResult r = run(dir, async(0), batches);
        assertEquals(4, r.metrics().size());
        assertEquals(4, r.version().number());
        assertEquals(0, oldestAge(batches));
        assertTrue(r.metrics().stream().mapToInt(IterationMetrics::trainedSamples).sum() > 0, "it trained");
        assertOneBatchPerStep(batches);
        assertTrue(r.metrics().stream().allMatch(m -> m.stalenessMax() == 0));
    }

    @Test
    void withAStalenessBoundOfTwo_noTrainedTokenIsOlder_andRoundsOverlapTraining(@TempDir Path dir) throws Exception {
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        RunResult r = run(dir, async(2) + "\ntributary.rollout.token-budget = 6", batches);
        assertEquals(4, r.metrics().size());
        assertTrue(oldestAge(batches) <= 2, "a trained token older than 2 versions");
        assertTrue(r.metrics().stream().allMatch(m -> m.stalenessMax() <= 2), r.metrics().toString());
        assertOneBatchPerStep(batches);
        // Rounds went out ahead of training: some batch holds samples generated by an older version.
        assertTrue(oldestAge(batches) > 0 || r.metrics().stream().anyMatch(m -> m.droppedStale() > 0),
                "no round ran ahead of training");
    }

    @Test
    void sharedParameters_areRefusedWithTheAsynchronousDriver(@TempDir Path dir) {
        var e = org.junit.jupiter.api.Assertions.assertThrows(SettingsException.class, () -> Tributary.start(
                RunSpec.of(TinyRuns.config(dir, refusable(1) + "\ntributary.weights.sync = shared"))));
        assertEquals("tributary.weights.sync", e.path());
        var mask = org.junit.jupiter.api.Assertions.assertThrows(SettingsException.class, () -> Tributary.start(
                RunSpec.of(TinyRuns.config(dir, refusable(1) + "\ntributary.master.asynchronous.on-stale = mask"))));
        assertEquals("tributary.master.asynchronous.on-stale", mask.path());
        var eta = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Tributary.start(
                RunSpec.of(TinyRuns.config(dir, refusable(-1)))));
        assertEquals("tributary.master.asynchronous.max-staleness = -1: expected an integer >= 0", eta.getMessage());
        var small = org.junit.jupiter.api.Assertions.assertThrows(SettingsException.class, () -> Tributary.start(
                RunSpec.of(TinyRuns.config(dir, refusable(2) + "\ntributary.replay.capacity = 64"))));
        assertEquals("tributary.replay.capacity", small.path());
    }

    @Test
    void onFourNodes_theAsynchronousRunCompletes(@TempDir Path dir) throws Exception {
        int seed = ClusterNodes.freePort();
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        var plugins = TinyRuns.recordingBatches(batches);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "reward", "replay"), lines,
                plugins);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, plugins));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines, plugins));
        RunResult r = ClusterNodes.result(master, 3, lines);
        assertEquals(4, r.metrics().size(), String.join("\n", lines));
        assertTrue(oldestAge(batches) <= 1);
    }

    private static TributarySettings settings(Path dir, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(async(1) + "\ntributary.run.checkpoint-every = 0")
                .withFallback(ClusterNodes.settings(dir, port, seed).config()));
    }
}
