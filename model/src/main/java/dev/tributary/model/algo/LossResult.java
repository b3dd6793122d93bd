package dev.tributary.model.algo;

import java.util.Map;

/**
 * A loss value and its gradient with respect to every response log-prob of the policy being trained
 * ({@code gradient[i][t]} = dL / d log π(token t of sample i)); the policy chains it through its graph.
 */
public record LossResult(double loss, double[][] gradient, Map<String, Double> stats) {
    public LossResult {
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("loss is " + loss + "; the batch produced a non-finite value");
        }
        stats = Map.copyOf(stats);
    }
}
