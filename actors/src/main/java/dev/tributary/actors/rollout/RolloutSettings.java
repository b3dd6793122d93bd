package dev.tributary.actors.rollout;

import dev.tributary.model.Require;
import dev.tributary.model.engine.Sampling;
import java.util.Objects;

/** How rollout workers generate: engine slots, sampling, and repetition detection (n-gram, limit; 0 disables). */
public record RolloutSettings(int slots, Sampling sampling, int repeatNgram, int repeatLimit) {
    public RolloutSettings {
        Require.positive(slots, "rollout slots");
        Objects.requireNonNull(sampling, "rollout sampling");
        Require.nonNegative(repeatNgram, "repeat n-gram");
        if (repeatNgram > 0 && repeatLimit < 2) {
            throw new IllegalArgumentException("repeat limit " + repeatLimit + " must be >= 2 when repeat-ngram > 0");
        }
    }
}
