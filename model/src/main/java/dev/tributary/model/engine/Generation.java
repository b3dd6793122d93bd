package dev.tributary.model.engine;

import dev.tributary.model.FinishReason;

/**
 * The tokens generated for one request, each with its log-probability under the model at temperature 1 (the
 * quantity the trainer recomputes teacher-forced), and why generation stopped.
 */
public record Generation(String id, int[] tokens, float[] logProbs, FinishReason finishReason) {
    public Generation {
        if (tokens.length != logProbs.length) {
            throw new IllegalArgumentException("generation " + id + ": " + tokens.length + " tokens but "
                    + logProbs.length + " log-probs");
        }
    }
}
