package dev.tributary.actors.rollout;

import dev.tributary.model.Require;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import java.util.Objects;

/**
 * How rollout workers generate: engine slots, sampling, repetition detection (n-gram, limit; 0 disables), and what
 * a weight swap in the middle of a batch does with the KV cache (asynchronous driver's in-flight updates).
 */
public record RolloutSettings(int slots, Sampling sampling, int repeatNgram, int repeatLimit,
                              InferenceEngine.KvOnSwap kvOnSwap) {
    public RolloutSettings(int slots, Sampling sampling, int repeatNgram, int repeatLimit) {
        this(slots, sampling, repeatNgram, repeatLimit, InferenceEngine.KvOnSwap.RECOMPUTE);
    }

    public RolloutSettings {
        Require.positive(slots, "rollout slots");
        Objects.requireNonNull(sampling, "rollout sampling");
        Objects.requireNonNull(kvOnSwap, "KV cache on a weight swap");
        Require.nonNegative(repeatNgram, "repeat n-gram");
        if (repeatNgram > 0 && repeatLimit < 2) {
            throw new IllegalArgumentException("repeat limit " + repeatLimit + " must be >= 2 when repeat-ngram > 0");
        }
    }
}
