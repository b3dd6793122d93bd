package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.model.PolicyVersion;

/**
 * What one iteration did. {@code heldOutAccuracy} is NaN on iterations without evaluation.
 */
public record IterationReport(int iteration, PolicyVersion version, int trainedSamples, double meanReward,
                              double meanResponseLength, double heldOutAccuracy, RolloutStats rollout, double loss,
                              double rolloutSeconds, double trainSeconds, double syncSeconds) {
    public double tokensPerSecond() {
        return rolloutSeconds > 0 ? rollout.tokens() / rolloutSeconds : 0;
    }
}
