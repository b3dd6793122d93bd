package dev.tributary.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.model.TrajectoryIds;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plug-ins, chosen by class name, in one JVM ({@code ExamplePluginsClusterTest} in runtime/testkit runs
 * them across four nodes): a rollout behaviour without an engine ({@link HalfRightRollout}), a replay store that
 * keeps the two widest-spread groups ({@link SpreadFirstStore}) and a reward shaping that standardizes each group
 * ({@link GroupStandardizedShaping}). The trainer's batches show each of them really ran.
 */
class ExamplePluginsTest {
    static final String PLUGINS = """
            tributary.sft.steps = 0
            tributary.run { iterations = 3, checkpoint-every = 0 }
            tributary.rollout.behavior = dev.tributary.examples.HalfRightRollout
            tributary.replay { store = dev.tributary.examples.SpreadFirstStore, SpreadFirstStore.max-groups = 2 }
            tributary.reward.shaping = dev.tributary.examples.GroupStandardizedShaping
            tributary.trainer.step = recording
            """;

    /** Every batch: the store's two groups, each half right, their rewards standardized by the shaping. */
    static void assertTheExamplesRan(List<TrajectoryBatch> batches, List<IterationMetrics> metrics) {
        assertEquals(3, batches.size());
        for (TrajectoryBatch b : batches) {
            Map<String, List<Trajectory>> groups = b.trajectories().stream()
                    .collect(Collectors.groupingBy(t -> TrajectoryIds.group(t.id())));
            assertEquals(2, groups.size(), "the store hands over at most max-groups = 2 groups: " + groups.keySet());
            for (List<Trajectory> g : groups.values()) {
                assertEquals(4, g.size());
                for (Trajectory t : g) {
                    int sample = Integer.parseInt(t.id().substring(t.id().lastIndexOf('/') + 1));
                    // Two right (1) and two wrong (0): mean 0.5, standard deviation 0.5, so +1 and -1.
                    assertEquals(sample % 2 == 0 ? 1.0 : -1.0, t.reward(), 1e-9, t.id());
                }
            }
        }
        for (IterationMetrics m : metrics) {
            assertEquals(8, m.trainedSamples());
            assertTrue(Double.isNaN(m.slotOccupancy()), "no engine ran: the swapped behaviour did the rollouts");
        }
    }

    @Test
    void inOneJvm_theExamplePluginsAreUsed(@TempDir Path dir) throws Exception {
        List<TrajectoryBatch> batches = new CopyOnWriteArrayList<>();
        RunResult r;
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.config(dir, PLUGINS))
                .withPlugins(TinyRuns.recordingBatches(batches)))) {
            r = TinyRuns.await(run);
        }
        assertTheExamplesRan(batches, r.metrics());
    }
}
