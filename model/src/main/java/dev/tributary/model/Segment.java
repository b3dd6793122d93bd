package dev.tributary.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One piece of a response, generated within one iteration by one policy version.
 *
 * @param trajectoryId   the trajectory this segment belongs to
 * @param index          position in the trajectory's segment chain, from 0
 * @param tokens         generated tokens
 * @param logProbs       log-probability of each token under the generating policy (temperature 1)
 * @param policyVersion  version of the weights that generated it
 * @param finishReason   why generation stopped; TOKEN_BUDGET means the trajectory continues later
 */
public record Segment(String trajectoryId, int index, int[] tokens, float[] logProbs, long policyVersion,
                      FinishReason finishReason) {
    public Segment {
        Require.nonBlank(trajectoryId, "segment trajectory id");
        Require.nonNegative(index, "segment index");
        Objects.requireNonNull(tokens, "segment tokens");
        Objects.requireNonNull(logProbs, "segment log-probs");
        if (tokens.length != logProbs.length) {
            throw new IllegalArgumentException("segment " + trajectoryId + "#" + index + " has " + tokens.length
                    + " tokens but " + logProbs.length + " log-probs; expected one log-prob per token");
        }
        for (int i = 0; i < logProbs.length; i++) {
            if (!(logProbs[i] <= 0f)) {
                throw new IllegalArgumentException("segment " + trajectoryId + "#" + index + " log-prob " + logProbs[i]
                        + " at token " + i + " must be a finite number <= 0");
            }
        }
        if (policyVersion < 0) {
            throw new IllegalArgumentException("segment policy version " + policyVersion + " must be >= 0");
        }
        Objects.requireNonNull(finishReason, "segment finish reason");
        tokens = tokens.clone();
        logProbs = logProbs.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public float[] logProbs() {
        return logProbs.clone();
    }

    public int length() {
        return tokens.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segment s && trajectoryId.equals(s.trajectoryId) && index == s.index
                && Arrays.equals(tokens, s.tokens) && Arrays.equals(logProbs, s.logProbs)
                && policyVersion == s.policyVersion && finishReason == s.finishReason;
    }

    @Override
    public int hashCode() {
        return Objects.hash(trajectoryId, index, Arrays.hashCode(tokens), policyVersion, finishReason);
    }

    @Override
    public String toString() {
        return "Segment[" + trajectoryId + "#" + index + ", " + tokens.length + " tokens, v" + policyVersion + ", "
                + finishReason + "]";
    }
}
