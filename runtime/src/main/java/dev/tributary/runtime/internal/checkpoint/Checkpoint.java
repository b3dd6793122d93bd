package dev.tributary.runtime.internal.checkpoint;

import dev.tributary.model.Trajectory;
import dev.tributary.model.weights.FlatWeights;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a run needs to continue after iteration {@code iteration} as if it had not stopped.
 *
 * @param weights      the policy after this iteration's update
 * @param optimizer    Adam's moments and step count
 * @param replay       the replay buffer: unfinished trajectories and finished ones not yet trained on
 * @param samplerStats per-key sampler statistics (e.g. a prompt's successes and attempts)
 * @param randomState  the seeds or states of the run's random streams
 * @param reference    the previous iteration's weights the loss regularises towards, where kept
 * @param nextRound    the first rollout round to send after it: {@code iteration + 1}, or later where the
 *                     asynchronous driver had sent rounds ahead (their ids must not be sent again)
 */
public record Checkpoint(int iteration, FlatWeights weights, OptimizerState optimizer, List<Trajectory> replay,
                         Map<String, double[]> samplerStats, long[] randomState, Optional<FlatWeights> reference,
                         int nextRound) {
    public Checkpoint {
        if (iteration < 0) {
            throw new IllegalArgumentException("checkpoint iteration " + iteration + " must be >= 0");
        }
        if (nextRound <= iteration) {
            throw new IllegalArgumentException("the next round " + nextRound + " of checkpoint " + iteration
                    + " must come after it");
        }
        Objects.requireNonNull(weights, "weights of checkpoint " + iteration);
        Objects.requireNonNull(optimizer, "optimizer state of checkpoint " + iteration);
        replay = List.copyOf(Objects.requireNonNull(replay, "replay content of checkpoint " + iteration));
        samplerStats = deepCopy(Objects.requireNonNull(samplerStats, "sampler statistics of checkpoint " + iteration));
        randomState = Objects.requireNonNull(randomState, "random state of checkpoint " + iteration).clone();
        Objects.requireNonNull(reference, "reference weights of checkpoint " + iteration + " (use Optional.empty())");
        if (reference.isPresent() && !reference.get().layout().equals(weights.layout())) {
            throw new IllegalArgumentException("reference weights " + reference.get() + " of checkpoint " + iteration
                    + " have a different layout from the weights " + weights);
        }
    }

    /** A checkpoint whose rounds are its iterations. */
    public Checkpoint(int iteration, FlatWeights weights, OptimizerState optimizer, List<Trajectory> replay,
                      Map<String, double[]> samplerStats, long[] randomState, Optional<FlatWeights> reference) {
        this(iteration, weights, optimizer, replay, samplerStats, randomState, reference, iteration + 1);
    }

    private static Map<String, double[]> deepCopy(Map<String, double[]> m) {
        Map<String, double[]> out = new HashMap<>();
        m.forEach((k, v) -> out.put(Objects.requireNonNull(k, "sampler statistic key"),
                Objects.requireNonNull(v, "sampler statistic '" + k + "'").clone()));
        // Map.copyOf: immutable, and Kryo's registered JDK-immutable serializers read it back.
        return Map.copyOf(out);
    }

    /** Sampler statistics; the arrays are copies. */
    @Override
    public Map<String, double[]> samplerStats() {
        return deepCopy(samplerStats);
    }

    @Override
    public long[] randomState() {
        return randomState.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Checkpoint c) || iteration != c.iteration || nextRound != c.nextRound
                || !weights.equals(c.weights)
                || !optimizer.equals(c.optimizer) || !replay.equals(c.replay) || !Arrays.equals(randomState, c.randomState)
                || !reference.equals(c.reference) || !samplerStats.keySet().equals(c.samplerStats.keySet())) {
            return false;
        }
        return samplerStats.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), c.samplerStats.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(iteration, weights, optimizer, replay, Arrays.hashCode(randomState), reference,
                samplerStats.keySet());
    }

    @Override
    public String toString() {
        return "Checkpoint[iteration " + iteration + ", " + weights + ", optimizer step " + optimizer.step() + ", "
                + replay.size() + " trajectories, " + samplerStats.size() + " sampler statistics"
                + reference.map(r -> ", reference " + r.version()).orElse("") + "]";
    }
}
