package dev.tributary.runtime.metrics;

/**
 * What one RL iteration measured.
 *
 * @param iteration          iteration number (from 1; 0 is allowed for a baseline row)
 * @param meanReward         mean reward of the trajectories trained on (penalties included)
 * @param heldOutAccuracy    exact match on the held-out set in [0, 1], or NaN where it was not evaluated
 * @param meanResponseLength mean response tokens of the trajectories trained on
 * @param tokensPerSecond    tokens generated per second of rollout
 * @param partial            trajectories cut by the token budget this iteration
 * @param resumed            trajectories resumed from an earlier iteration's prefix
 * @param repeatStopped      trajectories stopped early for repetition
 * @param handoffMillis      time the device hand-offs between phases took, in milliseconds
 * @param trainedSamples     trajectories in the training batch (complete groups)
 * @param workerBusyFraction the rollout workers' generating time over workers × the iteration's wall time
 * @param slotOccupancy      generated tokens over the engines' decode steps × slots: how full their batches were
 *                           (NaN without an engine)
 * @param seconds            wall time of the whole iteration, evaluation and checkpoint included
 * @param stalenessP50       median versions between a trained token's generating policy and the one trained
 *                           (the asynchronous driver; 0 for the synchronous one), likewise p99 and max
 * @param droppedStale       samples dropped as older than the staleness bound since the last row
 * @param weightSwaps        weight swaps in the middle of a rollout batch (asynchronous in-flight updates)
 * @param maxSwapMillis      the longest pause one of them caused its engine, in milliseconds
 * @param swapP50Millis      the median of their pauses (nearest rank), in milliseconds; NaN without swaps
 * @param swapP99Millis      their 99th percentile (nearest rank), in milliseconds; NaN without swaps
 */
public record IterationMetrics(int iteration, double meanReward, double heldOutAccuracy, double meanResponseLength,
                               double tokensPerSecond, int partial, int resumed, int repeatStopped,
                               double rolloutSeconds, double trainSeconds, double syncSeconds, double handoffMillis,
                               int trainedSamples, double workerBusyFraction, double slotOccupancy, double seconds,
                               int stalenessP50, int stalenessP99, int stalenessMax, int droppedStale,
                               int weightSwaps, double maxSwapMillis, double swapP50Millis, double swapP99Millis) {
    /** A row without weight swaps in the middle of a batch. */
    public IterationMetrics(int iteration, double meanReward, double heldOutAccuracy, double meanResponseLength,
                            double tokensPerSecond, int partial, int resumed, int repeatStopped,
                            double rolloutSeconds, double trainSeconds, double syncSeconds, double handoffMillis,
                            int trainedSamples, double workerBusyFraction, double slotOccupancy, double seconds,
                            int stalenessP50, int stalenessP99, int stalenessMax, int droppedStale) {
        this(iteration, meanReward, heldOutAccuracy, meanResponseLength, tokensPerSecond, partial, resumed,
                repeatStopped, rolloutSeconds, trainSeconds, syncSeconds, handoffMillis, trainedSamples,
                workerBusyFraction, slotOccupancy, seconds, stalenessP50, stalenessP99, stalenessMax, droppedStale, 0, 0,
                Double.NaN, Double.NaN);
    }

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
        nonNegative(trainedSamples, "trained samples", iteration);
        nonNegative(workerBusyFraction, "worker busy fraction", iteration);
        if (!Double.isNaN(slotOccupancy)) {
            nonNegative(slotOccupancy, "slot occupancy", iteration);
        }
        nonNegative(seconds, "iteration seconds", iteration);
        nonNegative(weightSwaps, "weight swaps", iteration);
        nonNegative(maxSwapMillis, "longest swap pause", iteration);
        // NaN: no swaps, or a row of a version before these columns.
        if (!Double.isNaN(swapP50Millis) || !Double.isNaN(swapP99Millis)) {
            nonNegative(swapP50Millis, "swap pause p50", iteration);
            nonNegative(swapP99Millis, "swap pause p99", iteration);
        }
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
