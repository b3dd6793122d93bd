package dev.tributary.runtime.internal.checkpoint;

import dev.tributary.model.policy.Optimizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A copy of an {@link Optimizer}'s moment estimates per parameter and its step count.
 *
 * @param moments Adam's state vector per parameter name (copies)
 * @param step    the bias-correction step count
 */
public record OptimizerState(Map<String, float[]> moments, int step) {
    public OptimizerState {
        if (step < 0) {
            throw new IllegalArgumentException("optimizer step " + step + " must be >= 0");
        }
        moments = copy(Objects.requireNonNull(moments, "optimizer moments"));
    }

    /** Copies the live state of {@code optimizer}. */
    public static OptimizerState capture(Optimizer optimizer) {
        return new OptimizerState(optimizer.stateCopy(), optimizer.iteration());
    }

    /** Writes this state into {@code optimizer}, which must be over parameters of the same names and sizes. */
    public void restoreInto(Optimizer optimizer) {
        Map<String, INDArray> arrays = new HashMap<>();
        moments.forEach((k, v) -> arrays.put(k, Nd4j.create(v)));
        optimizer.restore(arrays, step);
    }

    @Override
    public Map<String, float[]> moments() {
        return copy(moments);
    }

    private static Map<String, float[]> copy(Map<String, float[]> m) {
        Map<String, float[]> out = new HashMap<>();
        m.forEach((k, v) -> out.put(Objects.requireNonNull(k, "parameter name"),
                Objects.requireNonNull(v, "moments of '" + k + "'").clone()));
        return Map.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizerState s && step == s.step && moments.keySet().equals(s.moments.keySet())
                && moments.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), s.moments.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(step, moments.keySet());
    }

    @Override
    public String toString() {
        return "OptimizerState[step " + step + ", " + moments.size() + " parameters]";
    }
}
