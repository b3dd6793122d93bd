package dev.tributary.model.engine;

import dev.tributary.model.FinishReason;

/**
 * The tokens generated for one request, each with its log-probability under the model at temperature 1 (the
 * quantity the trainer recomputes teacher-forced), and why generation stopped. {@code weights[i]} says which weights
 * generated token i: 0 for those the engine held when the generate call began, n after the n-th weight swap of the
 * call (see {@link InferenceEngine.WeightSwap}); non-decreasing.
 */
public record Generation(String id, int[] tokens, float[] logProbs, FinishReason finishReason, int[] weights) {
    public Generation {
        if (tokens.length != logProbs.length || tokens.length != weights.length) {
            throw new IllegalArgumentException("generation " + id + ": " + tokens.length + " tokens but "
                    + logProbs.length + " log-probs and " + weights.length + " weight marks");
        }
    }

    /** A generation under one set of weights. */
    public Generation(String id, int[] tokens, float[] logProbs, FinishReason finishReason) {
        this(id, tokens, logProbs, finishReason, new int[tokens.length]);
    }
}
