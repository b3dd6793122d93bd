package dev.tributary.runtime.job;

import dev.tributary.runtime.RunSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A researcher's rollout behaviour replaces the engine by naming its class in the settings. */
class SwappedBehaviorTest {
    @Test
    void scriptedRolloutByClassName_feedsTheRealRewardReplayAndTrainer(@TempDir Path dir) throws Exception {
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.config(dir, "tributary.rollout.behavior = "
                + ScriptedRollout.class.getName() + "\ntributary.sft.steps = 0\ntributary.run.checkpoint-every = 0")))) {
            RunResult r = TinyRuns.await(run);
            assertEquals(3, r.metrics().size());
            for (IterationMetrics m : r.metrics()) {
                assertEquals(16, m.trainedSamples(), "every scripted answer finishes at once: all groups complete");
                assertEquals(1.0, m.meanReward(), 1e-9, "the verifier scores every worked solution 1");
                assertTrue(Double.isNaN(m.slotOccupancy()), "no engine ran");
            }
            assertEquals(3, r.version().number(), "the real trainer took a step each iteration");
        }
    }
}
