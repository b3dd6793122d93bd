package dev.tributary.model.algo;

/** Log importance ratios log π_prox − log π_behav of one sample, per token and per sequence. */
final class ImportanceRatios {
    /** Where a ratio-based correction takes its ratio: each token's own, or the sequence's for every token. */
    enum Level { TOKEN, SEQUENCE }

    private ImportanceRatios() {
    }

    /**
     * log ρ_t = log π_prox(y_t) − log π_behav(y_t) for the tokens in the loss (mask > 0), 0 for the others, whose
     * log-probs may be anything (a stale segment is excluded, not corrected).
     */
    static double[] tokenLogRatios(LossSample s) {
        double[] out = new double[s.length()];
        for (int t = 0; t < out.length; t++) {
            if (s.mask()[t] > 0) {
                double prox = s.refLogProbs()[t];
                if (!Double.isFinite(prox)) {
                    throw new IllegalArgumentException("proximal (reference) log-prob " + prox + " at token " + t
                            + " of a sample in group '" + s.group() + "' must be finite to correct it off-policy");
                }
                out[t] = prox - s.behavLogProbs()[t];
            }
        }
        return out;
    }

    /** log ρ = Σ_{t: mask > 0} log ρ_t, the log of the sequence ratio; kept in log space so long sequences fit. */
    static double sequenceLogRatio(LossSample s) {
        double sum = 0;
        for (double r : tokenLogRatios(s)) {
            sum += r;
        }
        return sum;
    }
}
