package dev.tributary.runtime;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.metrics.IterationMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a finished run produced.
 *
 * @param sftAccuracy    held-out exact match after the SFT warm-up (the RL starting point); NaN if unknown
 * @param finalAccuracy  held-out exact match at the last evaluated iteration (the last one of a run that reached
 *                       its configured end)
 * @param firstIteration the first iteration this process ran (after a resume: the one after the checkpoint)
 * @param metrics        every iteration of the run, read back from its metrics file (earlier processes included)
 * @param weights        the final policy weights
 * @param elapsed        wall time of this process's part of the run, SFT included
 */
public record RunResult(Path outDir, double sftAccuracy, double finalAccuracy, int firstIteration, int lastIteration,
                        PolicyVersion version, List<IterationMetrics> metrics, FlatWeights weights, Duration elapsed) {
    public RunResult {
        metrics = List.copyOf(metrics);
    }

    /** Held-out accuracy gained by RL over the SFT starting point, in percentage points. */
    public double gainPoints() {
        return 100 * (finalAccuracy - sftAccuracy);
    }
}
