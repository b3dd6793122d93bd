package dev.tributary.runtime.metrics;

/**
 * What one RL iteration measured.
 *
 * @param iteration          0-based iteration number
 * @param meanReward         mean reward of the trajectories trained on (penalties included)
 * @param heldOutAccuracy    exact match on the held-out set in [0, 1], or NaN where it was not evaluated
 * @param meanResponseLength mean response tokens of the trajectories trained on
 * @param tokensPerSecond    tokens generated per second of rollout
 * @param partial            trajectories cut by the token budget this iteration
 * @param resumed            trajectories resumed from an earlier iteration's prefix
 * @param repeatStopped      trajectories stopped early for repetition
 * @param handoffMillis      time the device hand-offs between phases took, in milliseconds
 */
public record IterationMetrics(int iteration, double meanReward, double heldOutAccuracy, double meanResponseLength,
                               double tokensPerSecond, int partial, int resumed, int repeatStopped,
                               double rolloutSeconds, double trainSeconds, double syncSeconds, double handoffMillis) {
    public IterationMetrics {
        if (iteration < 0) {
            throw new IllegalArgumentException("iteration " + iteration + " must be >= 0");
        }
        if (!Double.isFinite(meanReward)) {
            throw new IllegalArgumentException("mean reward " + meanReward + " of iteration " + iteration + " must be finite");
        }
        if (!Double.isNaN(heldOutAccuracy) && !(heldOutAccuracy >= 0 && heldOutAccuracy <= 1)) {
            throw new IllegalArgumentException("held-out accuracy " + heldOutAccuracy + " of iteration " + iteration
                    + " must be in [0, 1] (or NaN when not evaluated)");
        }
        nonNegative(meanResponseLength, "mean response length", iteration);
        nonNegative(tokensPerSecond, "tokens per second", iteration);
        nonNegative(partial, "partial count", iteration);
        nonNegative(resumed, "resumed count", iteration);
        nonNegative(repeatStopped, "repeat-stopped count", iteration);
        nonNegative(rolloutSeconds, "rollout seconds", iteration);
        nonNegative(trainSeconds, "train seconds", iteration);
        nonNegative(syncSeconds, "sync seconds", iteration);
        nonNegative(handoffMillis, "hand-off milliseconds", iteration);
    }

    private static void nonNegative(double v, String what, int iteration) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " " + v + " of iteration " + iteration + " must be a finite number >= 0");
        }
    }

    /** True when the held-out set was scored this iteration. */
    public boolean evaluated() {
        return !Double.isNaN(heldOutAccuracy);
    }
}
