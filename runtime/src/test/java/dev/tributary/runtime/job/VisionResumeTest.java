package dev.tributary.runtime.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.model.Trajectory;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits task with a 3-token budget: image trajectories are cut, checkpointed with their pictures (once per
 * prompt), resumed from their prefix with the picture prefilled again, and the resumed run repeats the
 * uninterrupted one bit for bit.
 */
class VisionResumeTest {
    private static final String VISION = """
            tributary {
              task.name = digits
              sampler.difficulty { start = 1, end = 1 }
              eval { difficulty = 1, prompts = 20 }
              rollout.token-budget = 3
            }
            """;

    private static RunResult run(Path out, String extra) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.settings(out, VISION + extra)))) {
            return TinyRuns.await(run);
        }
    }

    @Test
    void aCutImageTrajectory_checkpointedAndResumed_repeatsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        RunResult whole = run(dir.resolve("whole"), "");
        Path split = dir.resolve("split");
        run(split, "tributary.run.iterations = 2");
        Checkpoint saved = new CheckpointStore(split, 3).latestOrEmpty().orElseThrow();
        List<Trajectory> cut = saved.replay().stream().filter(t -> !t.finished()).toList();
        assertTrue(!cut.isEmpty(), "a 3-token budget must leave unfinished trajectories in the checkpoint");
        assertTrue(cut.stream().allMatch(t -> t.prompt().hasImages()), "the checkpoint keeps their pictures");
        List<Trajectory> samePrompt = new ArrayList<>();
        for (Trajectory t : cut) {
            if (t.prompt().id().equals(cut.get(0).prompt().id())) {
                samePrompt.add(t);
            }
        }
        for (Trajectory t : samePrompt) {
            assertSame(samePrompt.get(0).prompt().images().get(0), t.prompt().images().get(0),
                    "the samples of a prompt read back one picture");
        }

        RunResult resumed = run(split, "tributary.run { iterations = 3, resume = true }");
        IterationMetrics a = whole.metrics().get(2);
        IterationMetrics b = resumed.metrics().get(2);
        assertTrue(b.resumed() > 0, "iteration 3 resumes image trajectories cut before the checkpoint");
        assertEquals(a.resumed(), b.resumed());
        assertEquals(a.meanReward(), b.meanReward());
        assertEquals(a.heldOutAccuracy(), b.heldOutAccuracy());
        assertArrayEquals(whole.weights().values(), resumed.weights().values(), "weights after iteration 3 differ");
    }
}
