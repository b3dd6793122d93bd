package dev.tributary.actors.master;

import dev.tributary.actors.rollout.RolloutStats;
import dev.tributary.model.PolicyVersion;

/**
 * What one iteration did. {@code heldOutAccuracy} is NaN on iterations without evaluation; {@code handoffMillis}
 * is the time the device spent changing hands between phases during the iteration; {@code staleness} how many
 * versions old the trained tokens were (asynchronous driver; {@link Staleness#NONE} for the synchronous one).
 */
public record IterationReport(int iteration, PolicyVersion version, int trainedSamples, double meanReward,
                              double meanResponseLength, double heldOutAccuracy, RolloutStats rollout, double loss,
                              double rolloutSeconds, double trainSeconds, double syncSeconds, double handoffMillis,
                              double seconds, Staleness staleness) {
    public IterationReport {
        java.util.Objects.requireNonNull(staleness, "staleness");
    }

    public double tokensPerSecond() {
        return rolloutSeconds > 0 ? rollout.tokens() / rolloutSeconds : 0;
    }
}
