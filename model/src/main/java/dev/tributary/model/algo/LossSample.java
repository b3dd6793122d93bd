package dev.tributary.model.algo;

import java.util.Objects;

/**
 * One sampled response as a loss sees it: its group (the prompt), reward, and per-token log-probs of the response
 * under the policy being trained and under the reference policy (the weights that sampled it, i.e. the previous
 * iteration's). {@code mask} weighs each token into the loss (1 = in, 0 = excluded, e.g. a segment too stale).
 */
public record LossSample(String group, double reward, double[] logProbs, double[] refLogProbs, double[] mask) {
    public LossSample {
        Objects.requireNonNull(group, "sample group");
        if (!Double.isFinite(reward)) {
            throw new IllegalArgumentException("reward " + reward + " of a sample in group '" + group + "' must be finite");
        }
        Objects.requireNonNull(logProbs, "sample log-probs");
        Objects.requireNonNull(refLogProbs, "sample reference log-probs");
        if (refLogProbs.length != logProbs.length) {
            throw new IllegalArgumentException("sample in group '" + group + "' has " + logProbs.length
                    + " log-probs but " + refLogProbs.length + " reference log-probs");
        }
        if (mask == null) {
            mask = new double[logProbs.length];
            java.util.Arrays.fill(mask, 1.0);
        } else if (mask.length != logProbs.length) {
            throw new IllegalArgumentException("sample in group '" + group + "' has " + logProbs.length
                    + " log-probs but a mask of " + mask.length);
        }
    }

    public static LossSample of(String group, double reward, double[] logProbs, double[] refLogProbs) {
        return new LossSample(group, reward, logProbs, refLogProbs, null);
    }

    public int length() {
        return logProbs.length;
    }

    /** Σ mask·(log π − log π_ref): the sequence log-ratio. */
    double logRatio() {
        double s = 0;
        for (int t = 0; t < logProbs.length; t++) {
            s += mask[t] * (logProbs[t] - refLogProbs[t]);
        }
        return s;
    }

    double maskedSum(double[] values) {
        double s = 0;
        for (int t = 0; t < values.length; t++) {
            s += mask[t] * values[t];
        }
        return s;
    }

    double maskedCount() {
        double s = 0;
        for (double m : mask) {
            s += m;
        }
        return s;
    }
}
